//! An organisation's caseload brought in from its spreadsheet, at a terminal: the
//! import use case on the file's lines, its report on standard output, and the refused
//! lines (with the possible duplicates) in a CSV file that opens in French Excel.

use super::wiring::ready_core;
use crate::cli::HoldersImportArgs;
use crate::config::Config;
use anyhow::{Context, anyhow, bail};
use chrono::Utc;
use parcours_core::Error;
use parcours_core::holders::{self, ImportOptions, ImportReport};
use parcours_http::export::import_report_csv;

/// The lines shown at the terminal; the report file has them all.
const SHOWN: usize = 20;

pub async fn holders_import(config: &Config, args: HoldersImportArgs) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("{} illisible", args.file.display()))?;
    let lines = holders::read_table(&bytes, args.sheet.as_deref()).map_err(|e| match e {
        Error::Invalid(errors) if errors.0.iter().any(|e| e.field == "feuille") => {
            refused(Error::Invalid(errors), "--sheet")
        }
        other => refused(other, &args.file.display().to_string()),
    })?;
    let core = ready_core(config).await?;
    let actor = holders::acting_for(&core, &args.org)
        .await
        .map_err(|e| refused(e, "--org"))?;
    let mapping = match &args.mapping {
        None => holders::ImportMapping::NONE,
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("{} illisible", path.display()))?;
            holders::read_table(&bytes, None)
                .and_then(|lines| holders::read_mapping(&lines))
                .map_err(|e| refused(e, &format!("--mapping {}", path.display())))?
        }
    };
    let options = ImportOptions {
        dry_run: args.dry_run,
        skip_invalid: args.skip_invalid,
        mapping,
        file_name: args
            .file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let file = args.file.display().to_string();
    // Drawn on stderr only when it is a terminal: a script's output stays clean.
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{wide_bar} {pos}/{len} lignes ({per_sec}, reste {eta})",
        )
        .context("progress bar template")?,
    );
    let report = holders::import_with_progress(
        &core,
        &actor,
        &lines,
        options.clone(),
        Utc::now(),
        &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .await
    .map_err(|e| refused(e, &file))?;
    bar.finish_and_clear();
    print_report(&report, &options);
    if let Some(path) = &args.report {
        std::fs::write(path, import_report_csv(&report)?)
            .with_context(|| format!("{} : écriture impossible", path.display()))?;
        println!(
            "Rapport des lignes refusées et des doublons possibles : {}",
            path.display()
        );
    }
    if !options.dry_run && !report.written {
        bail!(
            "rien n'a été enregistré : {} ligne(s) refusée(s). Corrigez-les, ou relancez avec --skip-invalid pour enregistrer les lignes valides.",
            report.refused
        );
    }
    Ok(())
}

/// A use case's refusal, each field named as the operator knows it.
fn refused(error: Error, file: &str) -> anyhow::Error {
    match error {
        Error::Invalid(errors) => anyhow!(
            "{}",
            errors
                .0
                .iter()
                .map(|e| match e.field.as_str() {
                    "organisation" => format!("--org : {}", e.message),
                    _ => format!("{file} : {}", e.message),
                })
                .collect::<Vec<_>>()
                .join(" ; ")
        ),
        other => anyhow!("{other}"),
    }
}

fn print_report(report: &ImportReport, options: &ImportOptions) {
    println!("Lignes de personnes lues : {}.", report.lines);
    println!("Colonnes lues : {}.", report.columns().join(", "));
    if !report.unknown_columns.is_empty() {
        println!(
            "Colonnes inconnues, non importées : {}.",
            report.unknown_columns.join(", ")
        );
    }
    if !report.set_aside_columns().is_empty() {
        println!(
            "Colonnes reconnues mais pas encore importées par cette version : {}.",
            report.set_aside_columns().join(", ")
        );
    }
    for detail in report.details.iter().take(SHOWN) {
        println!("Ligne {} : {}", detail.line, detail.reasons.join(" ; "));
    }
    if report.details.len() > SHOWN {
        println!(
            "… et {} autre(s) ligne(s) : voir le rapport (--report).",
            report.details.len() - SHOWN
        );
    }
    let counts = format!(
        "mises à jour : {} ; déjà suivies, inchangées : {} ; doublons possibles (non créés) : {} ; refusées : {}.",
        report.updated, report.unchanged, report.possible_duplicates, report.refused
    );
    if report.written {
        println!("Créées : {} ; {counts}", report.created);
    } else {
        println!("À créer : {} ; {counts}", report.created);
        if options.dry_run {
            println!("Vérification seule (--dry-run) : rien n'a été enregistré.");
        }
    }
}
