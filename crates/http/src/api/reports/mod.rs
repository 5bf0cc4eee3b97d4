//! Reports for coordinators and organisations: computed by the database for a period
//! and a scope, as JSON or as a CSV that French spreadsheets open as they are.

mod indicators;
mod partners;
mod pathway;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use parcours_domain::ValidationErrors;
use parcours_domain::holders::{Gender, QpvCode, Situation};
use parcours_domain::users::Role;
use parcours_persistence::organisations;
use parcours_persistence::reports::{AgeBand, Scope};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use indicators::{Indicator, IndicatorsReport, Share};
pub use partners::{ActivityReport, ActivityRow, ReferralStats, ReferralsReport};
pub use pathway::{FlowsReport, OutcomeCount, PipelineReport, StageCount, StageFlow};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pathway::pipeline))
        .routes(routes!(pathway::pipeline_csv))
        .routes(routes!(pathway::flows))
        .routes(routes!(pathway::flows_csv))
        .routes(routes!(indicators::indicators))
        .routes(routes!(indicators::indicators_csv))
        .routes(routes!(partners::referrals_stats))
        .routes(routes!(partners::referrals_csv))
        .routes(routes!(partners::activity))
        .routes(routes!(partners::activity_csv))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First day of the period (default: the start of the current quarter).
    from: Option<String>,
    /// Day after the period (default: the start of the next quarter).
    to: Option<String>,
    /// Territory id: coordinators' own (the default for them).
    territory: Option<String>,
    /// One organisation of the territory (advisers and org admins: their own, always).
    organisation: Option<String>,
    qpv: Option<String>,
    /// `femme`, `homme` or `autre`.
    gender: Option<String>,
    /// `moins_26`, `26_44` or `45_plus` (age at the end of the period).
    age_band: Option<String>,
    situation: Option<String>,
}

fn quarter_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_month = (day.month0() / 3) * 3 + 1;
    let start = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
    let end = start
        .checked_add_months(chrono::Months::new(3))
        .unwrap_or(day);
    (start, end)
}

/// What a report covers, as the user may see it.
pub struct ReportScope {
    pub scope: Scope,
    /// The territory's or the organisation's name.
    pub label: String,
    /// Names of the organisations of the scope's territory.
    names: HashMap<i64, String>,
}

impl ReportScope {
    /// Names for ids that reports return, fetching those outside the territory (a
    /// partner elsewhere that received a referral).
    async fn names_for(
        &self,
        state: &AppState,
        ids: impl IntoIterator<Item = i64>,
    ) -> ApiResult<HashMap<i64, String>> {
        let mut names = self.names.clone();
        let missing: Vec<i64> = ids
            .into_iter()
            .filter(|id| !names.contains_key(id))
            .collect();
        if !missing.is_empty() {
            names.extend(organisations::names(state.db.conn(), &missing).await?);
        }
        Ok(names)
    }
}

/// The scope a user may see, from the parameters: coordinators their territory,
/// advisers and org admins their organisation, platform admins nothing.
async fn scope(
    state: &AppState,
    user: &CurrentUser,
    params: &ReportParams,
) -> ApiResult<ReportScope> {
    if user.role == Role::Admin {
        return Err(ApiError::Forbidden);
    }
    let mut errors = ValidationErrors::new();
    let (from, to) = crate::extract::parse_period(
        &mut errors,
        params.from.as_deref(),
        params.to.as_deref(),
        quarter_of(state.clock.now().date_naive()),
    );
    let qpv = params
        .qpv
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check("qpv", QpvCode::parse(v)));
    let gender = params
        .gender
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check("gender", v.parse::<Gender>()));
    let situation = params
        .situation
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check("situation", v.parse::<Situation>()));
    let age_band = params
        .age_band
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| {
            let band = AgeBand::parse(v);
            if band.is_none() {
                errors.add("age_band", "moins_26, 26_44 ou 45_plus");
            }
            band
        });
    let territory: Option<i64> =
        crate::extract::parse_param(&mut errors, "territory", params.territory.as_deref());
    let organisation: Option<i64> =
        crate::extract::parse_param(&mut errors, "organisation", params.organisation.as_deref());
    errors.into_result()?;
    let partners = organisations::territory_of(state.db.conn(), user.organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if territory.is_some_and(|t| t != partners.territory_id) {
        return Err(ApiError::Forbidden);
    }
    let names: HashMap<i64, String> = partners.organisations.into_iter().collect();
    let (organisation_ids, label) = if user.role == Role::Coordinator {
        match organisation {
            Some(id) => match names.get(&id) {
                Some(name) => (vec![id], name.clone()),
                None => {
                    return Err(ApiError::validation(
                        "organisation",
                        "structure hors de votre territoire",
                    ));
                }
            },
            None => {
                let mut ids: Vec<i64> = names.keys().copied().collect();
                ids.sort_unstable();
                (ids, partners.territory_name)
            }
        }
    } else {
        if organisation.is_some_and(|id| id != user.organisation_id) {
            return Err(ApiError::Forbidden);
        }
        let own = names
            .get(&user.organisation_id)
            .cloned()
            .unwrap_or_default();
        (vec![user.organisation_id], own)
    };
    Ok(ReportScope {
        scope: Scope {
            organisation_ids,
            from,
            to,
            qpv_code: qpv.map(|q| q.as_str().to_owned()),
            gender: gender.map(|g| g.as_str().to_owned()),
            age_band,
            situation: situation.map(|s| s.as_str().to_owned()),
        },
        label,
        names,
    })
}

/// The count for `key` among `(label, n)` rows, 0 when absent.
fn count_of(rows: &[(String, i64)], key: &str) -> i64 {
    rows.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n)
}

/// A count as exported: small non-zero counts are masked so nobody can be singled out.
pub fn masked(count: i64, threshold: i64) -> String {
    if count > 0 && count < threshold {
        format!("< {threshold}")
    } else {
        count.to_string()
    }
}

/// A number with one decimal and a decimal comma.
pub fn decimal(value: f64) -> String {
    format!("{value:.1}").replace('.', ",")
}

/// An optional number with a decimal comma; empty when there is none.
fn optional_decimal(value: Option<f64>) -> String {
    value.map(decimal).unwrap_or_default()
}

/// A share as a percentage with a decimal comma; hidden when its count is masked, since
/// count and base would give it away.
fn percent(share: Option<f64>, count: i64, threshold: i64) -> String {
    if count > 0 && count < threshold {
        "< seuil".into()
    } else {
        optional_decimal(share.map(|s| s * 100.0))
    }
}

/// UTF-8 with BOM, `;`-separated, CRLF: what French Excel and LibreOffice open as is.
fn csv_response(name: &str, headers: &[&str], rows: Vec<Vec<String>>) -> ApiResult<Response> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer
        .write_record(headers)
        .map_err(|e| ApiError::Internal(e.into()))?;
    for row in rows {
        writer
            .write_record(&row)
            .map_err(|e| ApiError::Internal(e.into()))?;
    }
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(
        writer
            .into_inner()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?,
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"parcours-{name}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_masked_and_decimals_use_a_comma() {
        assert_eq!(
            [0, 1, 4, 5, 12].map(|n| masked(n, 5)),
            ["0", "< 5", "< 5", "5", "12"]
        );
        assert_eq!(decimal(33.333), "33,3");
        assert_eq!(percent(Some(0.25), 3, 5), "< seuil");
        assert_eq!(percent(Some(0.25), 5, 5), "25,0");
        assert_eq!(percent(None, 0, 5), "");
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            quarter_of(d("2026-11-22")),
            (d("2026-10-01"), d("2027-01-01"))
        );
        assert_eq!(
            quarter_of(d("2026-01-01")),
            (d("2026-01-01"), d("2026-04-01"))
        );
    }
}
