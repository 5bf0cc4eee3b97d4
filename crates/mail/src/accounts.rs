//! The messages of an account's life: an invitation to join an organisation, a link to
//! choose a new password. Each carries a single-use link, and says how long it works
//! and what to do if the message was not expected.

use crate::referrals::{Rendered, escape};

fn render(
    subject: String,
    lines: &[String],
    action: &str,
    link: &str,
    after: &[String],
) -> Rendered {
    let footer = "Ce message est envoyé automatiquement par Parcours ; n'y répondez pas.";
    let text = format!(
        "Bonjour,\n\n{}\n\n{action} : {link}\n\n{}\n\n--\n{footer}\n",
        lines.join("\n"),
        after.join("\n"),
    );
    let paragraphs = |lines: &[String]| -> String {
        lines
            .iter()
            .map(|l| format!("<p>{}</p>", escape(l)))
            .collect()
    };
    let html = format!(
        "<!doctype html><html lang=\"fr\"><body><p>Bonjour,</p>{}<p><a href=\"{}\">{}</a></p>{}\
         <hr><p style=\"color:#666;font-size:small\">{}</p></body></html>",
        paragraphs(lines),
        escape(link),
        escape(action),
        paragraphs(after),
        escape(footer)
    );
    Rendered {
        subject,
        text,
        html,
    }
}

/// To a person invited by their organisation: the link to choose a password.
pub fn invitation(name: &str, organisation: &str, link: &str, hours: i64) -> Rendered {
    render(
        format!("Invitation à rejoindre {organisation} dans Parcours"),
        &[
            format!("{name}, un compte Parcours vous attend au sein de {organisation}."),
            "Pour l'activer, ouvrez le lien ci-dessous et choisissez votre mot de passe."
                .to_owned(),
        ],
        "Choisir mon mot de passe",
        link,
        &[
            format!(
                "Ce lien ne sert qu'une fois et reste valable {hours} heures. Passé ce délai, demandez une nouvelle invitation à l'administrateur de votre structure."
            ),
            "Si vous n'attendiez pas ce message, ignorez-le : aucun compte ne sera activé."
                .to_owned(),
        ],
    )
}

/// To someone who asked for a new password.
pub fn password_reset(link: &str, minutes: i64) -> Rendered {
    let validity = if minutes % 60 == 0 {
        match minutes / 60 {
            1 => "une heure".to_owned(),
            hours => format!("{hours} heures"),
        }
    } else {
        format!("{minutes} minutes")
    };
    render(
        "Choisir un nouveau mot de passe Parcours".to_owned(),
        &[
            "Une demande de nouveau mot de passe a été faite pour votre compte Parcours."
                .to_owned(),
        ],
        "Choisir un nouveau mot de passe",
        link,
        &[
            format!(
                "Ce lien ne sert qu'une fois et reste valable {validity}. Le nouveau mot de passe fermera vos sessions ouvertes."
            ),
            "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même."
                .to_owned(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_given_in_both_bodies_and_escaped() {
        let mail = invitation(
            "Awa <Diallo>",
            "CitésLab & Co",
            "https://p.example/invitation/abc",
            72,
        );
        assert_eq!(
            mail.subject,
            "Invitation à rejoindre CitésLab & Co dans Parcours"
        );
        assert!(mail.text.contains("https://p.example/invitation/abc"));
        assert!(mail.text.contains("72 heures"));
        assert!(
            mail.html
                .contains("href=\"https://p.example/invitation/abc\"")
        );
        assert!(mail.html.contains("Awa &lt;Diallo&gt;"));
        let reset = password_reset("https://p.example/reinitialisation/xyz", 60);
        assert!(reset.text.contains("valable une heure"));
        assert!(
            reset
                .text
                .contains("https://p.example/reinitialisation/xyz")
        );
    }
}
