//! Driving the web interface in-process as a browser would: pages, forms and cookies.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test as web_test;

/// One answer: status, `Location`, the `Set-Cookie` lines, the other headers, and the body.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: String,
}

impl Answer {
    /// The value the answer sets for cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies.iter().find_map(|line| {
            let first = line.split(';').next()?;
            let (n, v) = first.split_once('=')?;
            (n == name).then(|| v.to_owned())
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The first CSRF token of a page's forms.
/// The number shown beside the navigation link to `href`, and how a screen reader says it;
/// None when the link shows none.
pub fn nav_count<'a>(html: &'a str, href: &str) -> Option<(&'a str, &'a str)> {
    let link = &html[html.find(&format!("<a href=\"{href}\">"))?..];
    let link = &link[..link.find("</a>")?];
    let shown = link.split("aria-hidden=\"true\">").nth(1)?.split('<').next()?;
    let spoken = link.split("class=\"visually-hidden\">").nth(1)?.split('<').next()?;
    Some((shown, spoken.trim()))
}

pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// A request with `cookies` (`name=value` pairs): a GET, or a form POST when `form` is given.
pub async fn request<S, B>(service: &S, uri: &str, cookies: &[(&str, &str)], form: Option<&[(&str, &str)]>) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let request = match form {
        None => web_test::TestRequest::get(),
        Some(pairs) => {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter())
                .finish();
            web_test::TestRequest::post()
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload(body)
        }
    }
    .uri(uri);
    answer(service, request, cookies).await
}

/// A GET of `uri` with `cookies` from a browser whose `Accept-Language` is `accept`.
pub async fn request_speaking<S, B>(service: &S, uri: &str, cookies: &[(&str, &str)], accept: &str) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let request = web_test::TestRequest::get()
        .uri(uri)
        .insert_header(("Accept-Language", accept.to_owned()));
    answer(service, request, cookies).await
}

/// One part of a `multipart/form-data` form: its name, its file's name if it is a file, its
/// bytes.
pub type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// A `multipart/form-data` POST of `parts`, in order, as a browser sends a form with a file.
pub async fn post_multipart<S, B>(service: &S, uri: &str, cookies: &[(&str, &str)], parts: &[Part<'_>]) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    const BOUNDARY: &str = "----vigil-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match file {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes())
            }
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let request = web_test::TestRequest::post()
        .uri(uri)
        .insert_header(("Content-Type", format!("multipart/form-data; boundary={BOUNDARY}")))
        .set_payload(body);
    answer(service, request, cookies).await
}

/// `request` sent with `cookies`, from one address, and its answer read whole.
async fn answer<S, B>(service: &S, request: web_test::TestRequest, cookies: &[(&str, &str)]) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut request = request.peer_addr("127.0.0.1:40000".parse().unwrap());
    if !cookies.is_empty() {
        let line = cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        request = request.insert_header(("Cookie", line));
    }
    let response = web_test::call_service(service, request.to_request()).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let location = headers.get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let set_cookies = headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let body = String::from_utf8_lossy(&web_test::read_body(response).await).into_owned();
    Answer {
        status,
        location,
        set_cookies,
        headers,
        body,
    }
}

/// Signs in with `token` through the sign-in form; returns the session cookie's value.
pub async fn sign_in<S, B>(service: &S, token: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    sign_in_holding(service, token, &[]).await.0
}

/// Signs in with `token` on a browser that also holds `held` cookies (a kept form's): the new
/// session cookie's value, and where signing in led.
pub async fn sign_in_holding<S, B>(service: &S, token: &str, held: &[(&str, &str)]) -> (String, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let form = request(service, "/ui/sign-in", held, None).await;
    let pairing = form.cookie("vigil_sign_in").expect("the sign-in form's cookie");
    let mut cookies = held.to_vec();
    cookies.push(("vigil_sign_in", &pairing));
    let csrf = csrf_of(&form.body);
    let signed = request(
        service,
        "/ui/sign-in",
        &cookies,
        Some(&[("csrf", &csrf), ("token", token)]),
    )
    .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    (
        signed.cookie("vigil_session").expect("a session cookie"),
        signed.location.expect("where signing in leads"),
    )
}
