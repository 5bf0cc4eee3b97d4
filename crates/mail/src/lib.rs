//! Parcours e-mail: building messages (French text with an HTML alternative) and
//! delivering them over SMTP with lettre — or, for the demonstration, writing them as
//! `.eml` files in a folder.

pub mod accounts;
pub mod referrals;
#[cfg(feature = "testing")]
pub mod testing;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use parcours_domain::outbox::Failure;
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Where and as whom mail is sent. The SMTP URL may hold credentials.
#[derive(Clone)]
pub struct MailSettings {
    /// lettre's URL form: `smtp://host:port` (plain, for a local relay),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://host:465`.
    pub smtp_url: SecretString,
    /// The sender, e.g. `Parcours <ne-pas-repondre@parcours.example>`.
    pub from: String,
    /// The longest a whole sending may take, connection included.
    pub timeout: Duration,
}

/// Why mail could not be sent. Its text is safe to log and to store: it never quotes
/// the server's answer (which often names the recipient), the URL or the message.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail.smtp_url : URL SMTP invalide ({0})")]
    Url(String),
    #[error("mail.from : adresse d'expéditeur invalide ({0})")]
    From(String),
    #[error("message impossible à envoyer : {0}")]
    Message(&'static str),
    #[error("dossier des courriels {0} : écriture impossible")]
    Folder(String),
    #[error("{0}")]
    Smtp(SmtpFailure),
}

impl MailError {
    /// What the failure means for retrying the message.
    pub fn failure(&self) -> Failure {
        match self {
            Self::Message(_) => Failure::Unsendable,
            Self::Smtp(smtp) if smtp.is_outage() => Failure::Outage,
            Self::Smtp(_) => Failure::Refused,
            // The mailer checked its settings when it was built; were they wrong, no
            // message would get through: the trouble is the server's side, not the
            // message's.
            Self::Url(_) | Self::From(_) => Failure::Outage,
            // A full disk or a folder made read-only: retried like an outage.
            Self::Folder(_) => Failure::Outage,
        }
    }
}

/// An SMTP failure, classified, with the reply code when the server gave one: enough
/// for an operator to act, without the server's free text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SmtpFailure {
    /// Connection refused or dropped, name not resolved, transport shut down.
    #[error("serveur injoignable")]
    Unreachable,
    /// Connecting or an answer took longer than `mail.timeout_seconds`.
    #[error("délai dépassé")]
    Timeout,
    #[error("échec de la négociation TLS")]
    Tls,
    /// An answer that could not be read as SMTP.
    #[error("réponse du serveur illisible")]
    Protocol,
    /// A 4xx reply: try again later.
    #[error("refus temporaire du serveur ({0})")]
    Transient(u16),
    /// A 5xx reply about the service as a whole (no mail accepted at all, our
    /// authentication refused): no message gets through until it is fixed.
    #[error("service refusé par le serveur ({0})")]
    ServiceRefused(u16),
    /// A 5xx reply about this message (unknown recipient, content refused).
    #[error("refus permanent du serveur ({0})")]
    Refused(u16),
}

/// 5xx replies that refuse the whole service rather than one message: 521 (no mail
/// here), 530 (authentication required), 534, 535 and 538 (authentication refused).
const SERVICE_REFUSALS: &[u16] = &[521, 530, 534, 535, 538];

impl SmtpFailure {
    fn of(error: &lettre::transport::smtp::Error) -> Self {
        let code = error.status().map(u16::from);
        if error.is_permanent() {
            let code = code.unwrap_or(550);
            return if SERVICE_REFUSALS.contains(&code) {
                Self::ServiceRefused(code)
            } else {
                Self::Refused(code)
            };
        }
        if error.is_transient() {
            return Self::Transient(code.unwrap_or(450));
        }
        if error.is_timeout() {
            Self::Timeout
        } else if error.is_tls() {
            Self::Tls
        } else if error.is_response() || error.is_client() {
            Self::Protocol
        } else {
            Self::Unreachable
        }
    }

    /// Whether the server rather than the message is at fault: an outage, which does
    /// not use up the message's attempts.
    pub fn is_outage(self) -> bool {
        !matches!(self, Self::Refused(_))
    }
}

/// One message to one recipient.
#[derive(Clone, Debug)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Stable across retries, so a receiver can drop a duplicate.
    pub message_id: String,
}

#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    timeout: Duration,
    from: Mailbox,
}

#[derive(Clone)]
enum Transport {
    Smtp {
        /// Shared by the mailer's clones, replaced after a timeout (see
        /// [`Mailer::send`]).
        pool: Arc<RwLock<AsyncSmtpTransport<Tokio1Executor>>>,
        url: SecretString,
    },
    /// Each message an `.eml` file in the folder: nothing leaves the machine.
    Folder(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let transport = smtp_transport(&settings.smtp_url, settings.timeout)?;
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|e| MailError::From(e.to_string()))?;
        Ok(Self {
            transport: Transport::Smtp {
                pool: Arc::new(RwLock::new(transport)),
                url: settings.smtp_url.clone(),
            },
            timeout: settings.timeout,
            from,
        })
    }

    /// A mailer that writes each message as an `.eml` file in `folder` (created if
    /// need be) instead of sending it: for the demonstration, where no SMTP server
    /// listens and nobody should receive anything.
    pub fn to_folder(folder: &Path, from: &str) -> Result<Self, MailError> {
        std::fs::create_dir_all(folder)
            .map_err(|_| MailError::Folder(folder.display().to_string()))?;
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| MailError::From(e.to_string()))?;
        Ok(Self {
            transport: Transport::Folder(AsyncFileTransport::new(folder), folder.to_owned()),
            timeout: Duration::from_secs(10),
            from,
        })
    }

    /// The folder the messages are written to, for a mailer made by [`Mailer::to_folder`].
    pub fn folder(&self) -> Option<&Path> {
        match &self.transport {
            Transport::Folder(_, folder) => Some(folder),
            Transport::Smtp { .. } => None,
        }
    }

    pub fn from_address(&self) -> &Mailbox {
        &self.from
    }

    /// The domain part of stable Message-IDs: the sender's.
    pub fn message_id_domain(&self) -> String {
        self.from.email.domain().to_owned()
    }

    /// The longest one [`Mailer::send`] takes.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends one message, within the timeout. lettre bounds only the connection by its
    /// own timeout, not the conversation after it, so the whole sending is bounded here.
    /// A sending cut short leaves its connection mid-conversation: the pool of
    /// connections is then replaced, so that none of it is used again.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|_| MailError::Message("adresse du destinataire invalide"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|_| MailError::Message("message mal formé"))?;
        let (pool, url) = match &self.transport {
            Transport::Smtp { pool, url } => (pool, url),
            Transport::Folder(files, folder) => {
                return files
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|_| MailError::Folder(folder.display().to_string()));
            }
        };
        let transport = pool.read().unwrap_or_else(|e| e.into_inner()).clone();
        match tokio::time::timeout(self.timeout, transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(MailError::Smtp(SmtpFailure::of(&error))),
            Err(_) => {
                if let Ok(fresh) = smtp_transport(url, self.timeout) {
                    *pool.write().unwrap_or_else(|e| e.into_inner()) = fresh;
                }
                Err(MailError::Smtp(SmtpFailure::Timeout))
            }
        }
    }
}

fn smtp_transport(
    url: &SecretString,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    Ok(
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            // The error text may quote the URL and its password: keep only its kind.
            .map_err(|_| MailError::Url("forme attendue smtp://hôte:port ou smtps://…".into()))?
            .timeout(Some(timeout))
            .build(),
    )
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn delivers_to_a_real_listener_on_loopback() {
        let sink = testing::SmtpSink::start().await;
        let mailer = Mailer::new(&MailSettings {
            smtp_url: sink.url().into(),
            from: "Parcours <ne-pas-repondre@parcours.test>".into(),
            timeout: Duration::from_secs(5),
        })
        .unwrap();
        mailer
            .send(&OutgoingMail {
                to: "conseil@adie.test".into(),
                subject: "Nouvelle orientation".into(),
                text: "Bonjour, une personne vous est orientée.".into(),
                html: "<p>Bonjour, une personne vous est orientée.</p>".into(),
                message_id: "<orientation-1@parcours.test>".into(),
            })
            .await
            .unwrap();
        let received = sink.received().await;
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].recipients, ["conseil@adie.test"]);
        assert!(
            received[0]
                .data
                .contains("Message-ID: <orientation-1@parcours.test>")
        );
        assert!(received[0].data.contains("Content-Type: text/html"));
    }

    fn mailer(url: String, timeout: Duration) -> Mailer {
        Mailer::new(&MailSettings {
            smtp_url: url.into(),
            from: "Parcours <ne-pas-repondre@parcours.test>".into(),
            timeout,
        })
        .unwrap()
    }

    fn mail(to: &str) -> OutgoingMail {
        OutgoingMail {
            to: to.into(),
            subject: "Essai".into(),
            text: "Bonjour".into(),
            html: "<p>Bonjour</p>".into(),
            message_id: "<essai@parcours.test>".into(),
        }
    }

    #[tokio::test]
    async fn failures_are_classified_without_the_servers_text() {
        // Nothing listens: the server is unreachable.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let down = mailer(format!("smtp://127.0.0.1:{port}"), Duration::from_secs(5));
        let error = down.send(&mail("conseil@adie.test")).await.unwrap_err();
        assert_eq!(error.to_string(), "serveur injoignable");
        assert_eq!(error.failure(), Failure::Outage);

        let sink = testing::SmtpSink::start().await;
        let up = mailer(sink.url(), Duration::from_secs(5));
        sink.set_behaviour(testing::Behaviour::Unavailable);
        let error = up.send(&mail("conseil@adie.test")).await.unwrap_err();
        assert_eq!(error.to_string(), "refus temporaire du serveur (421)");
        assert_eq!(error.failure(), Failure::Outage);

        sink.set_behaviour(testing::Behaviour::Accept);
        sink.refuse_recipient("inconnu@adie.test");
        let error = up.send(&mail("inconnu@adie.test")).await.unwrap_err();
        assert_eq!(error.to_string(), "refus permanent du serveur (550)");
        assert_eq!(error.failure(), Failure::Refused);
        assert_eq!(sink.refusals(), ["inconnu@adie.test"]);
        // The connection is still good for the next message.
        up.send(&mail("conseil@adie.test")).await.unwrap();
        assert_eq!(sink.received().await.len(), 1);

        let error = up.send(&mail("pas une adresse")).await.unwrap_err();
        assert_eq!(error.failure(), Failure::Unsendable);
        assert!(!error.to_string().contains("pas une adresse"));
    }

    #[tokio::test]
    async fn a_silent_server_times_out_and_the_next_sending_starts_afresh() {
        let sink = testing::SmtpSink::start().await;
        let mailer = mailer(sink.url(), Duration::from_millis(500));
        sink.set_behaviour(testing::Behaviour::Silent);
        let error = mailer.send(&mail("conseil@adie.test")).await.unwrap_err();
        assert_eq!(error.to_string(), "délai dépassé");
        assert_eq!(error.failure(), Failure::Outage);
        sink.set_behaviour(testing::Behaviour::Accept);
        mailer.send(&mail("conseil@adie.test")).await.unwrap();
        assert_eq!(sink.received().await.len(), 1);
    }

    #[test]
    fn a_bad_url_is_reported_without_echoing_it() {
        let error = Mailer::new(&MailSettings {
            smtp_url: "http://secret:hunter2@example".into(),
            from: "a@b.test".into(),
            timeout: Duration::from_secs(1),
        })
        .err()
        .unwrap()
        .to_string();
        assert!(error.starts_with("mail.smtp_url"));
        assert!(!error.contains("hunter2"));
    }
}

#[cfg(test)]
mod folder_tests {
    use super::*;

    #[tokio::test]
    async fn the_demonstration_writes_eml_files_and_sends_nothing() {
        let folder = std::env::temp_dir().join(format!("parcours-mails-{}", std::process::id()));
        let mailer =
            Mailer::to_folder(&folder, "Parcours <ne-pas-repondre@parcours.test>").unwrap();
        assert_eq!(mailer.folder(), Some(folder.as_path()));
        mailer
            .send(&OutgoingMail {
                to: "conseil@adie.test".into(),
                subject: "Nouvelle orientation".into(),
                text: "Ouvrir : http://127.0.0.1:8080/orientations/1".into(),
                html: "<p>Ouvrir</p>".into(),
                message_id: "<orientation-1@parcours.test>".into(),
            })
            .await
            .unwrap();
        let files: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().unwrap(), "eml");
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        assert!(eml.contains("To: conseil@adie.test"), "{eml}");
        assert!(eml.contains("Subject: Nouvelle orientation"), "{eml}");
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
