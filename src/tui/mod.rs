//! The interactive wizard. ratatui owns the terminal (and restores it on
//! panic); the loop draws, then waits for a key, a tick or a message from a
//! background task — it never waits for AWS itself.

mod adopt;
pub mod app;
pub mod board;
pub mod cmd;
pub mod diagnosis;
mod edit;
pub mod form;
mod input;
pub mod keys;
pub mod markdown;
pub mod msg;
pub mod tasks;
pub mod text_field;
pub mod theme;
mod update;
pub mod view;
pub mod words;

use app::{App, Config};
use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use msg::Msg;
use std::time::Duration;

/// How often spinners and elapsed times move.
pub const TICK: Duration = Duration::from_millis(100);

/// Runs the wizard until the user quits; the session that was open, if
/// any. The terminal is restored on every path out, panics included
/// (ratatui's hook).
pub async fn run(config: Config) -> crate::Result<Option<String>> {
    // try_init installs the same restoring panic hook as init, but reports a
    // terminal that cannot be set up as an error instead of panicking.
    let mut terminal = ratatui::try_init()
        .map_err(|e| crate::Error::Terminal(format!("cannot set up the terminal: {e}")))?;
    let r = event_loop(&mut terminal, config).await;
    ratatui::restore();
    r
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    config: Config,
) -> crate::Result<Option<String>> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let mut app = App::new(config, tx);
    app.start();
    let mut events = EventStream::new();
    // SIGTERM (a closing terminal, `kill`) ends the loop so the terminal is
    // restored; the session is saved already (every save is immediate).
    let term = crate::signals::terminate();
    tokio::pin!(term);
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        terminal
            .draw(|f| view::draw(&app, f))
            .map_err(|e| crate::Error::Terminal(format!("cannot draw to the terminal: {e}")))?;
        app.frames_drawn += 1;
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => app.handle(Msg::Key(k)),
                Some(Ok(_)) => {} // resize and others: the next draw adapts
                Some(Err(e)) => {
                    return Err(crate::Error::Terminal(format!("cannot read the terminal: {e}")));
                }
                None => return Ok(open(&app)),
            },
            Some(m) = rx.recv() => app.handle(m),
            _ = tick.tick() => app.handle(Msg::Tick),
            () = &mut term => {
                tracing::warn!("SIGTERM: leaving the wizard");
                return Ok(open(&app));
            }
        }
        // Take whatever else arrived before drawing again.
        while let Ok(m) = rx.try_recv() {
            app.handle(m);
        }
        if app.quit {
            tracing::info!("quit by the user");
            return Ok(open(&app));
        }
    }
}

/// The name of the session open in the wizard.
fn open(app: &App) -> Option<String> {
    app.wizard().map(|w| w.session.name.clone())
}
