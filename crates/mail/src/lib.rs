//! Parcours e-mail: building messages (French text with an HTML alternative) and
//! delivering them over SMTP with lettre.

pub mod referrals;
#[cfg(feature = "testing")]
pub mod testing;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// Where and as whom mail is sent. The SMTP URL may hold credentials.
#[derive(Clone)]
pub struct MailSettings {
    /// lettre's URL form: `smtp://host:port` (plain, for a local relay),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://host:465`.
    pub smtp_url: SecretString,
    /// The sender, e.g. `Parcours <ne-pas-repondre@parcours.example>`.
    pub from: String,
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail.smtp_url : URL SMTP invalide ({0})")]
    Url(String),
    #[error("mail.from : adresse d'expéditeur invalide ({0})")]
    From(String),
    #[error("message invalide : {0}")]
    Message(String),
    #[error("envoi SMTP impossible : {0}")]
    Smtp(String),
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
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.smtp_url.expose_secret())
                // The error text may quote the URL and its password: keep only its kind.
                .map_err(|_| MailError::Url("forme attendue smtp://hôte:port ou smtps://…".into()))?
                .timeout(Some(settings.timeout))
                .build();
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|e| MailError::From(e.to_string()))?;
        Ok(Self { transport, from })
    }

    pub fn from_address(&self) -> &Mailbox {
        &self.from
    }

    /// The domain part of stable Message-IDs: the sender's.
    pub fn message_id_domain(&self) -> String {
        self.from.email.domain().to_owned()
    }

    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|e| MailError::Message(format!("destinataire : {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| MailError::Message(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Smtp(e.to_string()))
    }
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
