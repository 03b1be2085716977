//! A file of signed lines appended outside the database: the checkpoint file, the erasure ledger.

use std::io::Write;
use std::path::{Path, PathBuf};

/// How much of the file's end [`LineFile::last_line`] reads.
const TAIL: u64 = 64 * 1024;

/// A file of lines, appended to (it need not exist yet).
#[derive(Debug, Clone)]
pub struct LineFile {
    path: PathBuf,
}

/// What such a file holds: its complete lines, and whether it ends in the middle of one.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    pub lines: Vec<String>,
    pub cut_short: bool,
}

impl LineFile {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every line; none when the file does not exist yet.
    pub fn read(&self) -> std::io::Result<Lines> {
        let text = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lines::default()),
            Err(e) => return Err(e),
        };
        let text = String::from_utf8_lossy(&text);
        let cut_short = !text.is_empty() && !text.ends_with('\n');
        let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
        // What follows the last newline is either nothing or a line cut short.
        lines.pop();
        Ok(Lines { lines, cut_short })
    }

    /// The last line, read from the file's end: None for an empty or missing file, `Err(())`
    /// when the file ends in the middle of a line.
    pub fn last_line(&self) -> std::io::Result<Option<Result<String, ()>>> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let length = file.metadata()?.len();
        // A line is well under a kilobyte; the tail holds the last one whole.
        let start = length.saturating_sub(TAIL);
        file.seek(SeekFrom::Start(start))?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail)?;
        let tail = String::from_utf8_lossy(&tail);
        if tail.is_empty() {
            return Ok(None);
        }
        let Some(body) = tail.strip_suffix('\n') else {
            return Ok(Some(Err(())));
        };
        match body.rsplit_once('\n') {
            Some((_, last)) => Ok(Some(Ok(last.to_owned()))),
            None if start == 0 => Ok(Some(Ok(body.to_owned()))),
            None => Ok(Some(Err(()))),
        }
    }

    /// Opens the file for appending: the folder is made (mode 0700) and the file created
    /// (mode 0600) on first use.
    fn open_appending(&self) -> std::io::Result<std::fs::File> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        if let Some(dir) = self.path.parent() {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        }
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&self.path)
    }

    /// Runs `work` holding the file's exclusive lock (an advisory `flock`, waited for): every
    /// process and thread that reads the file's end and appends after it does so under it, so
    /// two of them sharing the file (a command beside `serve` in one `VIGIL_HOME`) never append
    /// the same line twice.
    pub fn exclusive<T>(&self, work: impl FnOnce() -> T) -> std::io::Result<T> {
        let file = self.open_appending()?;
        file.lock()?;
        let done = work();
        drop(file);
        Ok(done)
    }

    /// Appends `lines`, each with its newline, and waits until they are on disk.
    pub fn append(&self, lines: &[&str]) -> std::io::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut file = self.open_appending()?;
        let mut text = String::new();
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_appended_and_read_back_and_a_cut_line_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let file = LineFile::new(dir.path().join("audit").join("checkpoints"));
        assert!(file.read().unwrap().lines.is_empty());
        file.append(&["one", "two"]).unwrap();
        file.append(&["three"]).unwrap();
        let read = file.read().unwrap();
        assert_eq!(read.lines, ["one", "two", "three"]);
        assert!(!read.cut_short);
        assert_eq!(file.last_line().unwrap(), Some(Ok("three".to_owned())));
        let text = std::fs::read_to_string(file.path()).unwrap();
        std::fs::write(file.path(), &text[..text.len() - 3]).unwrap();
        let read = file.read().unwrap();
        assert_eq!(read.lines, ["one", "two"]);
        assert!(read.cut_short);
        assert_eq!(file.last_line().unwrap(), Some(Err(())));
    }

    #[test]
    fn holders_of_the_lock_take_turns() {
        let dir = tempfile::tempdir().unwrap();
        let file = LineFile::new(dir.path().join("lines"));
        // Each thread appends the number after the file's last line, under the lock.
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let file = file.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        file.exclusive(|| {
                            let next = match file.last_line().unwrap() {
                                Some(Ok(last)) => last.parse::<u32>().unwrap() + 1,
                                _ => 1,
                            };
                            file.append(&[&next.to_string()]).unwrap();
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let expected: Vec<String> = (1..=200).map(|n| n.to_string()).collect();
        assert_eq!(file.read().unwrap().lines, expected);
    }
}
