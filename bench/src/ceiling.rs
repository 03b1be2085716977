//! The HTTP ceiling of `vigil-bench reads`: actix-web on this machine answering a fixed JSON
//! body, as fast as it can, for the load generator to measure what HTTP alone costs.

use anyhow::Context;

/// The HTTP ceiling: actix-web answering `GET /fixed` with the same body every time.
pub struct FixedServer {
    pub port: u16,
    handle: actix_web::dev::ServerHandle,
    thread: std::thread::JoinHandle<()>,
}

impl FixedServer {
    /// Serves `GET /fixed` with a JSON body of about `bytes` bytes, on a thread of its own.
    pub async fn start(bytes: usize) -> anyhow::Result<Self> {
        let body = format!("{{\"fixed\":\"{}\"}}", "x".repeat(bytes.saturating_sub(12)));
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let server = actix_web::HttpServer::new(move || {
                    let body = body.clone();
                    actix_web::App::new().route(
                        "/fixed",
                        actix_web::web::get().to(move || {
                            let body = body.clone();
                            async move {
                                actix_web::HttpResponse::Ok()
                                    .content_type("application/json")
                                    .body(body)
                            }
                        }),
                    )
                })
                .workers(2)
                .disable_signals()
                .listen(listener);
                match server {
                    Ok(server) => {
                        let server = server.run();
                        let _ = tx.send(Some(server.handle()));
                        let _ = server.await;
                    }
                    Err(_) => {
                        let _ = tx.send(None);
                    }
                }
            });
        });
        let handle = rx.await?.context("the fixed-body server did not start")?;
        Ok(Self { port, handle, thread })
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = tokio::task::spawn_blocking(move || self.thread.join()).await;
    }
}
