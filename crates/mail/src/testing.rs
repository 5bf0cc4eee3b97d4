//! A real SMTP listener on 127.0.0.1 that stores what it receives, so tests check mail
//! as a receiving server sees it. It speaks just enough SMTP for lettre, and can act as
//! a server in trouble: unavailable, silent, refusing some recipients, or holding its
//! answer to a message until the test lets it go.

use std::sync::{Arc, Mutex as SyncMutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, watch};

#[derive(Clone, Debug, Default)]
pub struct ReceivedMail {
    pub from: String,
    pub recipients: Vec<String>,
    pub data: String,
}

/// How the listener answers a new connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Behaviour {
    /// A working server.
    #[default]
    Accept,
    /// Greets with `421` and closes: there, but not taking mail (an outage).
    Unavailable,
    /// Accepts the connection and never says a word (a hung server).
    Silent,
}

/// What the listener's connections share with the test.
struct Shared {
    received: Mutex<Vec<ReceivedMail>>,
    behaviour: SyncMutex<Behaviour>,
    /// Recipients refused with a 550 whose text quotes the address, as real servers do.
    refused: SyncMutex<Vec<String>>,
    /// Every `RCPT TO` refused, in order.
    refusals: SyncMutex<Vec<String>>,
    /// While true, the final answer to a message waits (the message is stored).
    hold: watch::Sender<bool>,
    /// How many messages were stored.
    count: watch::Sender<usize>,
}

pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// Listens on a given port (0 for any), e.g. the one a mailer was configured with
    /// while nothing listened there.
    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind smtp sink");
        let port = listener.local_addr().expect("local addr").port();
        let shared = Arc::new(Shared {
            received: Mutex::new(Vec::new()),
            behaviour: SyncMutex::new(Behaviour::Accept),
            refused: SyncMutex::new(Vec::new()),
            refusals: SyncMutex::new(Vec::new()),
            hold: watch::Sender::new(false),
            count: watch::Sender::new(0),
        });
        let connections = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = connections.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, shared).await;
                });
            }
        });
        Self { port, shared, task }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub async fn received(&self) -> Vec<ReceivedMail> {
        self.shared.received.lock().await.clone()
    }

    /// How new connections are answered from now on.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *self
            .shared
            .behaviour
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = behaviour;
    }

    /// Refuses `address` at `RCPT TO` with `550 5.1.1 <address>: …`.
    pub fn refuse_recipient(&self, address: &str) {
        self.shared
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(address.to_ascii_lowercase());
    }

    /// The recipients refused so far, one entry per refusal.
    pub fn refusals(&self) -> Vec<String> {
        self.shared
            .refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Holds the answer to each message from now on (the message itself is stored), so
    /// that a test can act while a sender waits for it.
    pub fn hold_answers(&self) {
        self.shared.hold.send_replace(true);
    }

    /// Lets the held answers go.
    pub fn release_answers(&self) {
        self.shared.hold.send_replace(false);
    }

    /// Waits until `count` messages were stored (at most ten seconds).
    pub async fn wait_for(&self, count: usize) {
        let mut stored = self.shared.count.subscribe();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stored.wait_for(|n| *n >= count),
        )
        .await
        .expect("messages expected at the SMTP sink")
        .expect("sink alive");
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(stream: tokio::net::TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let behaviour = *shared.behaviour.lock().unwrap_or_else(|e| e.into_inner());
    match behaviour {
        Behaviour::Accept => {}
        Behaviour::Unavailable => {
            write
                .write_all(b"421 4.3.2 parcours-test service not available\r\n")
                .await?;
            return Ok(());
        }
        Behaviour::Silent => {
            let mut sink = Vec::new();
            lines.read_to_end(&mut sink).await?;
            return Ok(());
        }
    }
    write.write_all(b"220 parcours-test ESMTP\r\n").await?;
    let mut current = ReceivedMail::default();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") {
            write
                .write_all(b"250-parcours-test\r\n250 8BITMIME\r\n")
                .await?;
        } else if command.starts_with("HELO")
            || command.starts_with("RSET")
            || command.starts_with("NOOP")
        {
            write.write_all(b"250 OK\r\n").await?;
        } else if command.starts_with("MAIL FROM:") {
            current = ReceivedMail {
                from: address(&line),
                ..ReceivedMail::default()
            };
            write.write_all(b"250 OK\r\n").await?;
        } else if command.starts_with("RCPT TO:") {
            let recipient = address(&line);
            let refused = shared
                .refused
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&recipient.to_ascii_lowercase());
            if refused {
                shared
                    .refusals
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(recipient.clone());
                write
                    .write_all(
                        format!(
                            "550 5.1.1 <{recipient}>: Recipient address rejected: User unknown in virtual mailbox table\r\n"
                        )
                        .as_bytes(),
                    )
                    .await?;
            } else {
                current.recipients.push(recipient);
                write.write_all(b"250 OK\r\n").await?;
            }
        } else if command == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            current.data = data;
            shared
                .received
                .lock()
                .await
                .push(std::mem::take(&mut current));
            shared.count.send_modify(|n| *n += 1);
            let mut hold = shared.hold.subscribe();
            let _ = hold.wait_for(|held| !*held).await;
            write.write_all(b"250 OK queued\r\n").await?;
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"502 Command not implemented\r\n").await?;
        }
    }
}

fn address(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line.rfind('>').unwrap_or(line.len());
    line[start..end].to_owned()
}
