//! The `reporter` job: aggregated hourly data of a park or ride and a period in
//! (`zamperla.report-input/v1`), `report.pdf`, `report.html` and `summary.json` out
//! (see `docs/job-contracts.md`). Pure and deterministic, like the postprocessor.

mod cli;
mod completeness;
mod font;
mod html;
mod input;
mod labels;
mod narrative;
mod pdf;
mod summary;
mod view;

use std::ffi::OsString;

use job_io::{write_atomic, Code, JobError};

pub use cli::Args;
pub use input::{
    AlarmRow, AnomalyRow, ChannelDay, ChannelRow, HourRow, Language, OpeningDay, OpeningHours,
    Park, Period, ReportInput, Ride, Threshold, INPUT_FORMAT,
};
pub use labels::Labels;
pub use summary::{
    summarize, Anomaly, ChannelHealth, ChannelHealthDay, Completeness, CompletenessBasis, Day,
    Summary, TopAlarm, SUMMARY_FORMAT, TOP_ALARMS,
};
pub use view::ReportView;

/// The files a report consists of.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// `report.pdf`.
    pub pdf: Vec<u8>,
    /// `report.html`.
    pub html: String,
    /// `summary.json`.
    pub summary: Summary,
}

/// The largest report input read. A park-year of 20 rides is about 60 MB of hourly rows.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Runs the job with the arguments after the program name.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<(), JobError> {
    let args = Args::parse(args)?;
    let bytes = job_io::read_input(&args.input, "the report input", MAX_INPUT_BYTES)?;
    let input = ReportInput::from_json(&bytes).map_err(|e| {
        JobError::new(
            Code::InputInvalid,
            // No path: the input is a temp file of the worker, and the message is shown to
            // people (on the report in the dashboard); what is wrong with it is what helps.
            format!("the report input is not valid: {e}"),
        )
    })?;
    // The input is valid by now, so a rendering failure (a font that cannot be embedded) is
    // the reporter's own.
    let rendered = render(&input).map_err(|e| {
        JobError::new(
            Code::Internal,
            format!("cannot render the report: {e}; this is a bug in the reporter"),
        )
    })?;

    let dir = &args.out_dir;
    std::fs::create_dir_all(dir).map_err(|e| {
        JobError::new(
            Code::IoError,
            format!("cannot create the output directory: {e}; the worker retries, and if it persists the worker's disk needs space or permissions"),
        )
    })?;
    let mut summary = serde_json::to_vec_pretty(&rendered.summary).map_err(|e| {
        JobError::new(
            Code::Internal,
            format!("cannot serialize the summary: {e}; this is a bug in the reporter"),
        )
    })?;
    summary.push(b'\n');
    write_atomic(&dir.join("report.pdf"), &rendered.pdf)?;
    write_atomic(&dir.join("report.html"), rendered.html.as_bytes())?;
    // Last, so a present summary.json means the whole report is there.
    write_atomic(&dir.join("summary.json"), &summary)
}

/// Renders all three files of a report in memory.
pub fn render(input: &ReportInput) -> Result<Rendered, String> {
    let tz = input.tz()?;
    let summary = summarize(input, tz);
    let view = ReportView::new(input, &summary, tz);
    Ok(Rendered {
        pdf: pdf::render(&view)?,
        html: html::render(&view),
        summary,
    })
}
