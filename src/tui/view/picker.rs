//! The session picker: every session with its progress, region, account and
//! last activity.

use crate::session::ago;
use crate::tui::app::App;
use crate::tui::theme::THEME;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};

/// Draws the picker into `area`.
#[expect(clippy::too_many_lines, reason = "draws the picker top to bottom")]
pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let [list, help] = Layout::vertical([Constraint::Fill(1), Constraint::Length(7)]).areas(area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(THEME.focus)
        .title(Span::styled(" Sessions ", THEME.title));
    if app.sessions.is_empty() {
        let text = vec![
            Line::from(""),
            Line::styled("  No sessions yet.", THEME.title),
            Line::from(""),
            Line::from(vec![
                Span::raw("  Press "),
                Span::styled(
                    app.config.keys.label(crate::tui::keys::Action::NewSession),
                    THEME.key,
                ),
                Span::raw(" to start one. Its name prefixes every resource gatewalk creates,"),
            ]),
            Line::from(
                "  so several deployments can share an account without touching each other.",
            ),
        ];
        f.render_widget(Paragraph::new(text).block(block), list);
    } else {
        let rows = app.sessions.iter().enumerate().map(|(i, r)| {
            let cells: Vec<String> = match &r.session {
                Ok(s) => vec![
                    r.name.clone(),
                    format!("{}/10", s.done_count()),
                    s.current_step()
                        .map_or_else(|| "all done".into(), |n| n.title().to_string()),
                    s.region.clone(),
                    s.account_id.clone().unwrap_or_else(|| "-".into()),
                    s.place_short().into(),
                    ago(s.updated_at),
                ],
                Err(e) => vec![
                    r.name.clone(),
                    "?".into(),
                    format!("unreadable: {}", e.lines().next().unwrap_or("")),
                ],
            };
            let style = if i == app.picked {
                THEME.selected
            } else if r.session.is_err() {
                THEME.fail
            } else {
                THEME.text
            };
            Row::new(cells).style(style)
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(16),
                Constraint::Length(6),
                Constraint::Fill(1),
                Constraint::Length(10),
                Constraint::Length(12),
                Constraint::Length(8),
                Constraint::Length(8),
            ],
        )
        .header(
            Row::new([
                "SESSION",
                "DONE",
                "NEXT STEP",
                "REGION",
                "ACCOUNT",
                "WHERE",
                "ACTIVE",
            ])
            .style(THEME.title),
        )
        .block(block);
        f.render_widget(table, list);
    }
    let text = vec![
        Line::styled(
            "What gatewalk builds, one checked step at a time",
            THEME.title,
        ),
        Line::from(
            "A container on Fargate in a private subnet, behind an internal Network Load Balancer, \
             reachable from the internet only through an API Gateway REST API and a VPC Link.",
        ),
        Line::styled(
            "Every step is checked against the live account before the next one unlocks; quit any \
             time and you resume where you left off.",
            THEME.muted,
        ),
    ];
    f.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(
            Block::default()
                .borders(Borders::TOP)
                .border_style(THEME.border),
        ),
        help,
    );
}
