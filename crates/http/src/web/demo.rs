//! The demonstration's mailbox: `parcours demo` writes its e-mails to a folder instead
//! of sending them; this page lists them, newest first, with their links, so that a
//! newcomer sees a referral's e-mail and follows it. Anywhere else it does not exist.

use super::fr;
use super::page::{Layout, PageError, PageResult, html};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use parcours_core::outbox;

/// A piece of a line of text: words, or a link.
struct Piece {
    text: String,
    href: Option<String>,
}

struct Mail {
    when: String,
    to: String,
    subject: String,
    status: &'static str,
    lines: Vec<Vec<Piece>>,
}

#[derive(Template)]
#[template(path = "web/demo_mails.html")]
struct MailboxPage {
    layout: Layout,
    folder: String,
    mails: Vec<Mail>,
}

/// How many messages the page shows.
const SHOWN: u64 = 50;

pub async fn mailbox(State(state): State<AppState>) -> PageResult {
    let folder = match state.core.mail_folder() {
        Some(folder) => folder.display().to_string(),
        None => return Err(PageError::NotFound),
    };
    let mails = outbox::demo_mailbox(&state.core, SHOWN)
        .await?
        .into_iter()
        .map(|m| Mail {
            when: fr::date_time(m.created_at),
            to: m.recipient,
            subject: m.subject,
            status: if m.sent_at.is_some() {
                "écrit dans le dossier"
            } else if m.failed_at.is_some() {
                "abandonné"
            } else {
                "en attente d'écriture"
            },
            lines: m.text_body.lines().map(pieces).collect(),
        })
        .collect();
    let layout = Layout::new("Courriels de la démonstration", None, "");
    Ok(html(
        StatusCode::OK,
        &MailboxPage {
            layout,
            folder,
            mails,
        },
    ))
}

/// A line cut into words and links (`http://…` or `https://…` up to the next space).
fn pieces(line: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    for (i, word) in line.split(' ').enumerate() {
        let space = if i == 0 { "" } else { " " };
        if word.starts_with("http://") || word.starts_with("https://") {
            out.push(Piece {
                text: space.to_owned(),
                href: None,
            });
            out.push(Piece {
                text: word.to_owned(),
                href: Some(word.to_owned()),
            });
        } else {
            match out.last_mut() {
                Some(last) if last.href.is_none() => {
                    last.text.push_str(space);
                    last.text.push_str(word);
                }
                _ => out.push(Piece {
                    text: format!("{space}{word}"),
                    href: None,
                }),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_cut_out_of_the_text() {
        let cut = pieces("Ouvrir : http://127.0.0.1:8080/orientations/3 dans Parcours");
        let shown: Vec<(&str, Option<&str>)> = cut
            .iter()
            .map(|p| (p.text.as_str(), p.href.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Ouvrir :", None),
                (" ", None),
                (
                    "http://127.0.0.1:8080/orientations/3",
                    Some("http://127.0.0.1:8080/orientations/3")
                ),
                (" dans Parcours", None),
            ]
        );
    }
}
