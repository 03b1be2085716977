//! Debian's Chromium, headless, driven through ChromeDriver (WebDriver) by fantoccini.
//! `scripts/install-deps` installs both when missing; the driver is stopped when the test ends.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use super::process::free_address;

/// A running ChromeDriver in a process group of its own, with the Chromium it starts: the whole
/// group is killed on drop, so a test that fails half-way leaves no browser behind.
pub struct Driver {
    child: Child,
    pub url: String,
    profile: tempfile::TempDir,
}

impl Driver {
    pub fn start() -> Self {
        let address = free_address();
        let child = Command::new("chromedriver")
            .arg(format!("--port={}", address.port()))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (scripts/install-deps installs chromium-driver)");
        let started = Instant::now();
        while std::net::TcpStream::connect(address).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            url: format!("http://{address}"),
            profile: tempfile::tempdir().unwrap(),
        }
    }

    /// A new headless browser window, `width` pixels wide. The flags keep Chromium from calling
    /// out to Google's services (this machine has no network beyond itself).
    pub async fn browser(&self, width: u32) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-extensions",
                    format!("--user-data-dir={}", self.profile.path().display()),
                    format!("--window-size={width},1400"),
                ],
            }),
        );
        ClientBuilder::rustls()
            .unwrap()
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

/// Where screenshots go: the test artefacts under the target directory.
pub fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves a screenshot of the whole window as `name.png`.
pub async fn snap(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

/// How a form control is filled in.
#[derive(Debug, Clone, Copy)]
pub enum Fill<'a> {
    /// Typed in, as a person would.
    Type(&'a str),
    /// A radio button or checkbox with this value, clicked.
    Pick(&'a str),
    /// An option of a `<select>`.
    Select(&'a str),
    /// A date or time control's value, set directly (typing into them depends on the locale).
    Set(&'a str),
}

/// Fills the control named `name` inside `scope` (a CSS selector).
pub async fn fill(client: &Client, scope: &str, name: &str, how: Fill<'_>) {
    let control = format!("{scope} [name='{name}']");
    match how {
        Fill::Type(text) => {
            let element = client.find(Locator::Css(&control)).await.unwrap();
            element.clear().await.unwrap();
            element.send_keys(text).await.unwrap();
        }
        Fill::Pick(value) => client
            .find(Locator::Css(&format!("{control}[value='{value}']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap(),
        Fill::Select(value) => client
            .find(Locator::Css(&control))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap(),
        Fill::Set(value) => {
            let element = client.find(Locator::Css(&control)).await.unwrap();
            client
                .execute(
                    "arguments[0].value = arguments[1];",
                    vec![serde_json::to_value(&element).unwrap(), json!(value)],
                )
                .await
                .unwrap();
        }
    }
}

/// The text of the first element matching `css`.
pub async fn text(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

/// Clicks the first element matching `css`.
pub async fn click(client: &Client, css: &str) {
    client.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
}
