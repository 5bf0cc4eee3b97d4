//! The messages a referral causes. They name organisations and link to the referral;
//! the person's name, contact and need stay in Parcours, behind a login.

/// Subject and both bodies of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What every referral message knows.
#[derive(Clone, Debug)]
pub struct ReferralMail<'a> {
    pub referral_id: i64,
    /// Absolute link to the referral in Parcours.
    pub link: &'a str,
    pub from_organisation: &'a str,
    pub to_organisation: &'a str,
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn render(subject: String, lines: &[String], mail: &ReferralMail<'_>) -> Rendered {
    let footer = "Ce message est envoyé automatiquement par Parcours. Les informations sur la personne \
                  sont consultables dans Parcours uniquement, après connexion.";
    let text = format!(
        "Bonjour,\n\n{}\n\nVoir l'orientation : {}\n\n--\n{footer}\n",
        lines.join("\n"),
        mail.link
    );
    let paragraphs: String = lines
        .iter()
        .map(|l| format!("<p>{}</p>", escape(l)))
        .collect();
    let html = format!(
        "<!doctype html><html lang=\"fr\"><body><p>Bonjour,</p>{paragraphs}<p><a href=\"{}\">Voir l'orientation n° {}</a></p>\
         <hr><p style=\"color:#666;font-size:small\">{}</p></body></html>",
        escape(mail.link),
        mail.referral_id,
        escape(footer)
    );
    Rendered {
        subject,
        text,
        html,
    }
}

/// To the receiving organisation: a new referral awaits an answer.
pub fn received(mail: &ReferralMail<'_>) -> Rendered {
    render(
        format!("Nouvelle orientation de {} (n° {})", mail.from_organisation, mail.referral_id),
        &[
            format!("{} vous oriente une personne accompagnée (orientation n° {}).", mail.from_organisation, mail.referral_id),
            "Merci d'accepter ou de décliner l'orientation dans Parcours ; sans réponse, un rappel suivra.".to_owned(),
        ],
        mail,
    )
}

/// To the receiving organisation: still no answer after `days` days.
pub fn reminder(mail: &ReferralMail<'_>, days: i64) -> Rendered {
    render(
        format!(
            "Rappel : orientation n° {} sans réponse depuis {days} jours",
            mail.referral_id
        ),
        &[
            format!(
                "L'orientation n° {} envoyée par {} attend votre réponse depuis {days} jours.",
                mail.referral_id, mail.from_organisation
            ),
            "Sans réponse, elle expirera et sera signalée à la coordination du territoire."
                .to_owned(),
        ],
        mail,
    )
}

/// To the other side: the referral changed (accepted, declined, completed, withdrawn, expired).
pub fn changed(mail: &ReferralMail<'_>, what: &str, detail: Option<&str>) -> Rendered {
    let mut lines = vec![format!(
        "L'orientation n° {} ({} → {}) a été {what}.",
        mail.referral_id, mail.from_organisation, mail.to_organisation
    )];
    if let Some(detail) = detail {
        lines.push(detail.to_owned());
    }
    render(
        format!("Orientation n° {} : {what}", mail.referral_id),
        &lines,
        mail,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_french_escaped_and_link_to_the_referral() {
        let mail = ReferralMail {
            referral_id: 42,
            link: "https://parcours.example/referrals/42",
            from_organisation: "CitésLab <Nord> & Co",
            to_organisation: "ADIE",
        };
        let message = received(&mail);
        assert_eq!(
            message.subject,
            "Nouvelle orientation de CitésLab <Nord> & Co (n° 42)"
        );
        assert!(
            message
                .text
                .contains("https://parcours.example/referrals/42")
        );
        assert!(message.html.contains("CitésLab &lt;Nord&gt; &amp; Co"));
        assert!(!message.html.contains("<Nord>"));
        let declined = changed(&mail, "déclinée", Some("Motif : capacité"));
        assert!(declined.text.contains("a été déclinée"));
        assert!(declined.text.contains("Motif : capacité"));
        assert!(reminder(&mail, 7).subject.contains("7 jours"));
    }
}
