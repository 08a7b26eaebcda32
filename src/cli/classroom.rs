//! Workshop commands: the instructor's `classroom start|status|stop|board|
//! break|exercises`, and the student's `join` and `leave`.

use super::output::{Printer, print_json};
use super::{EXIT_ERROR, EXIT_OK};
use crate::classroom::board::{self, Row, Sort, sort_rows};
use crate::classroom::exercises::{self, CATALOGUE};
use crate::classroom::server::{self, Classroom};
use crate::discover::account::sessions;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::sandbox::Pace;
use anstream::println;
use clap::Subcommand;
use serde_json::json;
use std::path::Path;

/// `gatewalk classroom …`
#[derive(Debug, Subcommand)]
pub enum ClassroomAction {
    /// Start one shared sandbox for the room (the instructor's machine), and
    /// print the join command and where the instructor key is kept.
    Start {
        /// Address and port the room reaches it at (0.0.0.0: every interface).
        #[arg(long, value_name = "ADDR:PORT", default_value = server::DEFAULT_LISTEN)]
        listen: String,
        /// How many students it takes (1–200).
        #[arg(long, default_value_t = server::DEFAULT_SEATS)]
        seats: u32,
    },
    /// Is the classroom running, where, and who has joined?
    Status,
    /// Stop the classroom. Everything in it, every student's account, is gone.
    Stop,
    /// Every student's progress, live: steps done, current step and time on
    /// it, failing checks, last activity, the last exercise and its time to fix.
    Board {
        /// Order of the rows.
        #[arg(long, value_enum, default_value_t = Sort::Joined)]
        sort: Sort,
    },
    /// Put a fault from the catalogue into students' deployments.
    Break {
        /// The exercise (`gatewalk classroom exercises` lists them).
        exercise: String,
        /// Only this student.
        #[arg(
            long,
            value_name = "NAME",
            conflicts_with = "all",
            required_unless_present = "all"
        )]
        student: Option<String>,
        /// Every student whose deployment has reached the exercise's step.
        #[arg(long)]
        all: bool,
    },
    /// List the exercises, with what each teaches.
    Exercises,
}

/// `gatewalk classroom …`.
pub(super) async fn run(
    home: &Path,
    action: &ClassroomAction,
    pace: Option<Pace>,
    engine: &'static dyn Engine,
    out: Printer,
) -> Result<u8> {
    match action {
        ClassroomAction::Start { listen, seats } => {
            let addr = server::check_listen(listen)?;
            let seats = server::check_seats(*seats)?;
            let region = crate::sandbox::DEFAULT_REGION;
            let (c, new) =
                server::start(home, addr, pace.unwrap_or_default(), seats, region).await?;
            started(&c, new, home, out);
            Ok(EXIT_OK)
        }
        ClassroomAction::Status => status(home, out).await,
        ClassroomAction::Stop => {
            let was = server::stop(home).await?;
            out.note(&match was {
                Some(c) => format!(
                    "classroom {} stopped; every student's account in it is gone",
                    c.url
                ),
                None => "no classroom was running from this machine".into(),
            });
            Ok(EXIT_OK)
        }
        ClassroomAction::Board { sort } => {
            let c = server::running(home).await?;
            if out.json() || !interactive() {
                let mut rows = board::read(engine, &c).await?;
                sort_rows(&mut rows, *sort);
                print_board(&c, &rows, out);
                return Ok(EXIT_OK);
            }
            crate::tui::board::run(engine, c, *sort).await?;
            Ok(EXIT_OK)
        }
        ClassroomAction::Break {
            exercise,
            student,
            all,
        } => {
            let ex = exercises::find(exercise)?;
            let c = server::running(home).await?;
            apply_break(engine, &c, ex, student.as_deref(), *all, out).await
        }
        ClassroomAction::Exercises => {
            list_exercises(out);
            Ok(EXIT_OK)
        }
    }
}

/// Whether the board can take the terminal.
fn interactive() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

fn started(c: &Classroom, new: bool, home: &Path, out: Printer) {
    if out.json() {
        return print_json(&json!({
            "url": c.url, "classroom": c.id, "pace": c.pace, "seats": c.seats,
            "join": c.join_command(), "started": new,
        }));
    }
    let verb = if new { "started" } else { "already running" };
    println!(
        "classroom {} {verb} at {} (pace {}, {} seats)",
        c.id, c.url, c.pace, c.seats
    );
    println!("students join with:\n\n    {}\n", c.join_command());
    println!(
        "the instructor key is in {} (readable by you only); `gatewalk classroom board` \
         uses it from this machine",
        home.join("classroom/state.json").display()
    );
    println!("`gatewalk classroom stop` ends the workshop (everything in it is gone)");
}

async fn status(home: &Path, out: Printer) -> Result<u8> {
    let Some((c, up)) = server::status(home).await? else {
        out.note("no classroom is running from this machine");
        return Ok(EXIT_OK);
    };
    let roster = match &up {
        Some(_) => Some(server::roster(&c).await?),
        None => None,
    };
    if out.json() {
        print_json(&json!({
            "url": c.url, "classroom": c.id, "pace": c.pace, "seats": c.seats, "up": up.is_some(),
            "students": roster.as_ref().map(|r| r.students.iter().map(|s| json!({
                "name": s.name, "account": s.account, "joined_at": s.joined_at, "last_seen": s.last_seen,
            })).collect::<Vec<_>>()),
        }));
        return Ok(EXIT_OK);
    }
    match roster {
        None => println!(
            "classroom {} at {} does not answer (pid {}); `gatewalk classroom stop` clears it",
            c.id, c.url, c.pid
        ),
        Some(r) => {
            println!(
                "classroom {} at {} (pace {}): {}/{} seats taken",
                c.id,
                c.url,
                c.pace,
                r.students.len(),
                c.seats
            );
            for s in &r.students {
                let seen = s.last_seen.map_or_else(
                    || "no call yet".to_string(),
                    |t| crate::session::ago(crate::classroom::secs(t)),
                );
                println!("  {:<24} account {}  last call {seen}", s.name, s.account);
            }
            println!("students join with: {}", c.join_command());
        }
    }
    Ok(EXIT_OK)
}

/// The board, printed once: JSON, or a table.
fn print_board(c: &Classroom, rows: &[Row], out: Printer) {
    if out.json() {
        return print_json(&json!({ "classroom": c.id, "url": c.url, "students": rows }));
    }
    if rows.is_empty() {
        println!(
            "nobody has joined yet; students join with: {}",
            c.join_command()
        );
        return;
    }
    for l in crate::tui::board::lines(rows, crate::classroom::now()) {
        println!("{l}");
    }
}

async fn apply_break(
    engine: &'static dyn Engine,
    c: &Classroom,
    ex: &exercises::Exercise,
    student: Option<&str>,
    all: bool,
    out: Printer,
) -> Result<u8> {
    let roster = server::roster(c).await?;
    let targets: Vec<_> = if all {
        roster.students.iter().collect()
    } else {
        let name = student.unwrap_or_default();
        let one = roster
            .students
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = roster.students.iter().map(|s| s.name.as_str()).collect();
                Error::Config(format!(
                    "no student `{}` in the classroom (joined: {})",
                    crate::text::shown(name),
                    if names.is_empty() {
                        "nobody yet".into()
                    } else {
                        names.join(", ")
                    }
                ))
            })?;
        vec![one]
    };
    let mut code = EXIT_OK;
    let mut any = false;
    let mut results = Vec::new();
    for st in targets {
        // One student's failure (an account that cannot be read) stops no
        // other's exercise.
        let r = break_one(engine, c, ex, st).await;
        let applied = r.is_ok();
        match r {
            Ok(what) => {
                results.push(json!({ "student": st.name, "applied": true, "what": what }));
                if !out.json() {
                    println!("{}: {} — {what}", st.name, ex.id);
                }
            }
            Err(e) => {
                if !all {
                    code = EXIT_ERROR;
                }
                let why = crate::text::one_line(&e.to_string());
                results.push(json!({ "student": st.name, "applied": false, "why": why }));
                if !out.json() {
                    println!("{}: not applied: {why}", st.name);
                }
            }
        }
        any |= applied;
    }
    if out.json() {
        print_json(&json!({ "exercise": ex.id, "students": results }));
    } else if any {
        println!(
            "\n{}\n`gatewalk classroom board` shows when each student's checks go red, and green again",
            ex.note
        );
    }
    Ok(code)
}

/// Applies `ex` to student `st`'s furthest session and notes it in the
/// journal (the fault is in place once the call returned: the note follows).
async fn break_one(
    engine: &'static dyn Engine,
    c: &Classroom,
    ex: &exercises::Exercise,
    st: &server::Student,
) -> Result<String> {
    let aws = board::student_context(c, st).await?;
    let found = sessions(engine, &aws).await?;
    let s = board::furthest(&found).ok_or_else(|| Error::Config("has no deployment yet".into()))?;
    let what = exercises::apply(ex, &aws, s).await?;
    server::journal(
        c,
        &st.name,
        json!({ "event": "break", "exercise": ex.id, "what": what }),
    )
    .await
    .map_err(|e| Error::Classroom(format!("{what}, but the journal did not take note: {e}")))?;
    Ok(what)
}

fn list_exercises(out: Printer) {
    if out.json() {
        let v: Vec<_> = CATALOGUE
            .iter()
            .map(|e| json!({ "id": e.id, "title": e.title, "needs": e.needs, "note": e.note }))
            .collect();
        return print_json(&v);
    }
    for e in CATALOGUE {
        println!(
            "{:<16} {} (needs step {}, {})",
            e.id,
            e.title,
            e.needs.number(),
            e.needs
        );
        println!("{:<16} {}", "", e.note);
        println!();
    }
    println!("apply one with `gatewalk classroom break EXERCISE --student NAME` (or --all)");
}

/// `gatewalk join URL --as NAME`.
pub(super) async fn join(home: &Path, url: &str, name: &str, out: Printer) -> Result<u8> {
    let (seat, again) = crate::classroom::join(home, url, name).await?;
    if out.json() {
        print_json(&json!({
            "classroom": seat.classroom, "url": seat.url, "name": seat.name,
            "account": seat.account, "region": seat.region, "rejoined": again,
        }));
        return Ok(EXIT_OK);
    }
    let how = if again { "back in" } else { "joined" };
    println!(
        "{how} the classroom at {} as `{}`: your own account {} in {}.",
        seat.url, seat.name, seat.account, seat.region
    );
    println!(
        "Every gatewalk command and the wizard now work there; run `gatewalk` to start. \
         `gatewalk leave` returns to your own setup."
    );
    Ok(EXIT_OK)
}

/// `gatewalk leave`.
pub(super) fn leave(home: &Path, out: Printer) -> Result<u8> {
    match crate::classroom::leave(home)? {
        Some(s) => out.note(&format!(
            "left the classroom at {} (you were `{}`). What you made stays there until the \
             instructor stops it; `gatewalk join {} --as {}` takes the same seat again.",
            s.url, s.name, s.url, s.name
        )),
        None => out.note("this gatewalk has not joined a classroom"),
    }
    Ok(EXIT_OK)
}
