//! Who is signed in on a page, and the forms they post. Without a session a page sends
//! the browser to the sign-in page and back; every form carries the session's token
//! (CSRF), checked before anything is read from it.

use super::page::{Fields, Layout, PageError, SignedIn};
use crate::auth::CurrentUser;
use crate::request_id;
use crate::state::AppState;
use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::Method;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use parcours_core::{Actor, Error, sessions};

/// A page's signed-in user, with the session's form token and their names.
pub struct Signed {
    pub session: sessions::Session,
    /// The token every form of this session carries.
    pub csrf: String,
    token: String,
    /// The demonstration's mailbox exists: pages link to it.
    demo_mails: bool,
}

impl Signed {
    pub fn actor(&self) -> &Actor {
        &self.session.actor
    }

    /// Whether `sent` is this session's form token (a form read by hand: an upload).
    pub fn form_token_matches(&self, sent: &str) -> bool {
        sessions::form_token_matches(&self.token, sent)
    }

    /// The frame of a page for this user.
    pub fn layout(&self, title: impl Into<String>, section: &str) -> Layout {
        Layout::new(
            title,
            Some(SignedIn {
                name: self.session.user_name.clone(),
                organisation: self.session.organisation_name.clone(),
                csrf: self.csrf.clone(),
                role: self.session.actor.role,
            }),
            section,
        )
        .with_demo_mails(self.demo_mails)
    }
}

/// Where to come back after signing in: the page asked for (GET only: a form's target
/// cannot be reloaded).
fn next_of(parts: &Parts) -> String {
    if parts.method == Method::GET {
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into())
    } else {
        "/".into()
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar
            .get(&state.settings.session_cookie_name())
            .map(|c| c.value().to_owned())
            .filter(|t| !t.is_empty())
        else {
            return Err(PageError::SignIn {
                next: next_of(parts),
                expired: false,
            });
        };
        let now = state.clock.now();
        let session =
            match sessions::authenticate(&state.core, &token, request_id::current(), now).await {
                Ok(session) => session,
                Err(Error::Unauthenticated) => {
                    return Err(PageError::SignIn {
                        next: next_of(parts),
                        expired: true,
                    });
                }
                Err(other) => return Err(other.into()),
            };
        tracing::Span::current().record("user_id", session.actor.user_id);
        parts.extensions.insert(CurrentUser {
            session: session.clone(),
        });
        Ok(Self {
            csrf: sessions::form_token(&token),
            session,
            token,
            demo_mails: state.core.mail_folder().is_some(),
        })
    }
}

/// A form posted by the signed-in user, its token checked: a form without it, with
/// another session's, is refused before any of it is read.
pub struct SignedForm {
    pub user: Signed,
    pub fields: Fields,
}

/// The name of the hidden field that carries the token.
pub const CSRF_FIELD: &str = "_csrf";

impl FromRequest<AppState> for SignedForm {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = Signed::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(|_| PageError::FormRefused)?;
        let sent = pairs
            .iter()
            .find(|(name, _)| name == CSRF_FIELD)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default();
        if !sessions::form_token_matches(&user.token, sent) {
            tracing::warn!(
                user_id = user.actor().user_id,
                "form refused: missing or foreign token"
            );
            return Err(PageError::FormRefused);
        }
        Ok(Self {
            user,
            fields: Fields::new(pairs),
        })
    }
}

/// Who may send a file to a route: checked before the body is read, so that a user
/// without the right is refused at once rather than after megabytes.
pub trait UploadGate {
    fn allows(actor: &Actor) -> parcours_core::Result<()>;
}

/// A form with a file (`enctype="multipart/form-data"`) posted by a signed-in user the
/// gate `G` lets through: the token must come before the file, which is not kept
/// otherwise. The file is the part named `file`; the other parts are text fields.
pub struct SignedUpload<G: UploadGate> {
    pub user: Signed,
    pub fields: Fields,
    /// The file's bytes, when one was chosen (an empty part is none).
    pub file: Option<Vec<u8>>,
    /// The file's name as the browser sent it.
    pub file_name: Option<String>,
    /// The body could not be read whole: beyond the route's limit, or cut off.
    pub too_large: bool,
    gate: std::marker::PhantomData<G>,
}

impl<G: UploadGate> FromRequest<AppState> for SignedUpload<G> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = Signed::from_request_parts(&mut parts, state).await?;
        G::allows(user.actor())?;
        let request = Request::from_parts(parts, body);
        let mut multipart = axum::extract::Multipart::from_request(request, state)
            .await
            .map_err(|_| PageError::FormRefused)?;
        let (mut csrf_ok, mut too_large) = (false, false);
        let (mut file, mut file_name, mut pairs) = (None, None, Vec::new());
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(_) => {
                    too_large = true;
                    break;
                }
            };
            let name = field.name().map(str::to_owned);
            match name.as_deref() {
                Some(CSRF_FIELD) => {
                    let sent = field.text().await.unwrap_or_default();
                    csrf_ok = user.form_token_matches(&sent);
                }
                Some("file") if csrf_ok => {
                    file_name = field.file_name().map(str::to_owned);
                    match field.bytes().await {
                        Ok(bytes) if !bytes.is_empty() => file = Some(bytes.to_vec()),
                        Ok(_) => {}
                        Err(_) => too_large = true,
                    }
                }
                Some(other) if csrf_ok => {
                    let other = other.to_owned();
                    match field.text().await {
                        Ok(value) => pairs.push((other, value)),
                        Err(_) => too_large = true,
                    }
                }
                _ => {}
            }
        }
        if !csrf_ok {
            tracing::warn!(
                user_id = user.actor().user_id,
                "upload refused: missing or foreign token"
            );
            return Err(PageError::FormRefused);
        }
        Ok(Self {
            user,
            fields: Fields::new(pairs),
            file,
            file_name,
            too_large,
            gate: std::marker::PhantomData,
        })
    }
}

impl<G: UploadGate> SignedUpload<G> {
    /// The file sent, or why there is none, said on `field`: the body was cut off
    /// (beyond the route's limit), or no file was chosen (`missing`).
    pub fn take_file(
        &mut self,
        errors: &mut super::page::Errors,
        field: &str,
        missing: &str,
    ) -> Option<Vec<u8>> {
        if self.too_large {
            errors.add(
                field,
                "le fichier n'a pas pu être reçu en entier : il dépasse la taille permise",
            );
            return None;
        }
        let file = self.file.take();
        if file.is_none() {
            errors.add(field, missing);
        }
        file
    }
}

/// A form posted without a session (signing in). Cross-site posts are refused before
/// it, by the same rule as every unsafe request.
pub struct PublicForm(pub Fields);

impl FromRequest<AppState> for PublicForm {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(|_| PageError::FormRefused)?;
        Ok(Self(Fields::new(pairs)))
    }
}

/// A record's id in a page's path, by the API's rule (`extract::path_id`): anything but
/// a number is the 404 page.
pub struct PageId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PageId {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| PageError::NotFound)?;
        crate::extract::path_id(&raw)
            .map(Self)
            .ok_or(PageError::NotFound)
    }
}
