//! Dialogs drawn over the screen: key help (from the key table), the API
//! call log, naming a session, adopting a deployment, and the confirmations.

use super::centered;
use crate::tui::app::{App, Overlay};
use crate::tui::text_field::TextField;
use crate::tui::theme::THEME;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

fn dialog(title: &str) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(THEME.focus)
        .title(Span::styled(format!(" {title} "), THEME.title))
}

/// Draws `ov` over `area`.
#[expect(clippy::too_many_lines, reason = "one arm per overlay")]
pub fn render(app: &App, ov: &Overlay, f: &mut Frame, area: Rect) {
    let (title, lines, w, h): (&str, Vec<Line>, u16, u16) = match ov {
        Overlay::Help => {
            let mut lines: Vec<Line> = app
                .config
                .keys
                .help(app.context())
                .into_iter()
                .map(|(k, d)| {
                    Line::from(vec![
                        Span::styled(format!("{k:>14}  "), THEME.key),
                        Span::raw(d),
                    ])
                })
                .collect();
            lines.push(Line::from(""));
            lines.push(Line::styled(
                "Keys can be changed in keys.toml in gatewalk's config directory.",
                THEME.muted,
            ));
            let h = u16::try_from(lines.len())
                .unwrap_or(u16::MAX)
                .saturating_add(2);
            ("Keys", lines, area.width.saturating_sub(4).min(100), h + 2)
        }
        Overlay::CallLog {
            selected,
            open,
            scroll,
        } => {
            return super::calls::render(app, (*selected, *open, *scroll), f, area);
        }
        Overlay::NewSession { name, error } => {
            let mut lines = vec![
                Line::from("Name the deployment. It prefixes every resource gatewalk creates"),
                Line::from("(letters, digits and -, short, e.g. `workshop-alice`)."),
                Line::from(""),
                prompt(name),
            ];
            lines.push(match error {
                Some(e) => Line::styled(e.clone(), THEME.fail),
                None if name.text().is_empty() => Line::styled("type a name", THEME.muted),
                None => Line::styled("✓ Enter starts it, Esc cancels", THEME.ok),
            });
            ("New session", lines, 72, 8)
        }
        Overlay::ConfirmDelete { name } => (
            "Delete session record",
            vec![
                Line::from(format!("Delete the record of session `{name}`?")),
                Line::styled(
                    "Its AWS resources are NOT deleted — tear it down first if they should go.",
                    THEME.warn,
                ),
                Line::from(""),
                Line::from("y deletes the record · any other key keeps it"),
            ],
            78,
            7,
        ),
        Overlay::ConfirmTeardown { typed } => {
            let name = app
                .wizard()
                .map(|w| w.session.name.clone())
                .unwrap_or_default();
            (
                "Tear down",
                vec![
                    Line::styled(
                        format!("This deletes every AWS resource of session `{name}`,"),
                        THEME.warn,
                    ),
                    Line::from("in the order AWS accepts, waiting where AWS makes it wait."),
                    Line::from("An execution role or cluster you picked as existing stays."),
                    Line::from(""),
                    Line::from("Type the session name and press Enter (Esc cancels):"),
                    prompt(typed),
                    if typed.text() == name {
                        Line::styled("✓ Enter tears it down", THEME.ok)
                    } else if name.starts_with(typed.text()) {
                        Line::styled("", THEME.muted)
                    } else {
                        Line::styled(format!("✗ that is not `{name}`"), THEME.fail)
                    },
                ],
                72,
                10,
            )
        }
        Overlay::ConfirmChangeYours { step, what } => (
            "Change a resource of yours?",
            vec![
                Line::from(format!(
                    "Step {} needs a change to a resource of yours:",
                    step.number()
                )),
                Line::styled(what.clone(), THEME.warn),
                Line::from(
                    "It was bound to this session (adopt) and nothing of it has changed yet.",
                ),
                Line::from(""),
                Line::from("y changes it and applies the step again · any other key leaves it"),
            ],
            78,
            8,
        ),
        Overlay::Adopt {
            picked,
            name,
            error,
        } => adopt_dialog(app, *picked, name, error.as_deref()),
        Overlay::ConfirmQuit => (
            "Quit?",
            vec![
                Line::from("A step is running. Quit anyway?"),
                Line::from("Everything created so far is saved; running gatewalk again resumes."),
                Line::from(""),
                Line::from("y quits · any other key stays"),
            ],
            74,
            7,
        ),
    };
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let block = dialog(title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    // Wrapped with hanging indents (a help line continues under its text).
    super::scroll::render(
        f,
        inner,
        &ratatui::text::Text::from(lines),
        (0, None),
        &crate::tui::app::Viewport::default(),
        "",
    );
}

/// `> typed█`: a text field with its cursor.
fn prompt(field: &TextField) -> Line<'static> {
    let mut spans = vec![Span::styled("> ", THEME.code)];
    spans.extend(field.spans(THEME.code));
    Line::from(spans)
}

/// The adopt dialog: the deployments found, the picked one's resources, the
/// session name.
fn adopt_dialog<'a>(
    app: &App,
    picked: usize,
    name: &TextField,
    error: Option<&str>,
) -> (&'static str, Vec<Line<'a>>, u16, u16) {
    use crate::tui::app::Load;
    let mut lines = vec![
        Line::from("Deployments of this shape in the account, made by hand or by another tool."),
        Line::from("Their resources are bound as yours: never deleted, changed only if you agree."),
        Line::from(""),
    ];
    match &app.adoptable {
        None | Some(Load::Loading(_)) => lines.push(Line::styled("looking…", THEME.muted)),
        Some(Load::Failed(e)) => lines.push(Line::styled(e.clone(), THEME.fail)),
        Some(Load::Ready(found, _)) if found.is_empty() => lines.push(Line::styled(
            "none found: no internal NLB, ECS service or gatewalk session in this region",
            THEME.muted,
        )),
        Some(Load::Ready(found, _)) => {
            for (i, d) in found.iter().enumerate() {
                let steps = crate::model::StepId::ALL
                    .iter()
                    .filter(|s| d.present(**s))
                    .count();
                let style = if i == picked {
                    THEME.selected
                } else {
                    THEME.text
                };
                lines.push(Line::styled(
                    format!(
                        "{} {} {} — made by {} — {steps} of 10 steps present",
                        if i == picked { ">" } else { " " },
                        d.vpc,
                        crate::text::clean(&d.vpc_name),
                        d.maker
                    ),
                    style,
                ));
            }
            if let Some(d) = found.get(picked) {
                lines.push(Line::from(""));
                for (k, id) in d.resources() {
                    lines.push(Line::styled(
                        format!("  step {:>2} {:<26} {id}", k.step().number(), k.noun()),
                        THEME.muted,
                    ));
                }
            }
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from("Session name:"));
    lines.push(prompt(name));
    lines.push(match error {
        Some(e) => Line::styled(e.to_string(), THEME.fail),
        None => Line::styled("↑/↓ pick · Enter continues it · Esc cancels", THEME.ok),
    });
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    ("Continue a deployment made elsewhere", lines, 100, h)
}
