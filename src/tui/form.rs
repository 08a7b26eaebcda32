//! The Configure tab's logic: a step's fields as text, and an edit checked as
//! it is typed by the same validation the CLI runs (no API call).

use crate::inputs::{Field, Inputs, Override, OverrideValue};
use crate::model::StepId;
use crate::session::Session;
use serde_json::Value;

/// Each field of `step` with its current value as text.
pub fn values(inputs: &Inputs, step: StepId) -> Vec<(Field, String)> {
    let obj = inputs.step_value(step).unwrap_or(Value::Null);
    Inputs::fields(step)
        .iter()
        .map(|f| (*f, text_of(obj.get(f.name).unwrap_or(&Value::Null))))
        .collect()
}

/// A JSON value as the user types it (lists comma-separated).
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(text_of).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// An edit that passed: the inputs to save, and what else moved with it.
#[derive(Debug)]
pub struct Edited {
    /// The session's inputs with the edit.
    pub inputs: Inputs,
    /// A field changed along with this one, in words.
    pub note: Option<String>,
}

/// The session's inputs with `field` set to `text`, or what is wrong with it
/// (only this field's errors; others are not the user's concern right now).
/// A new cpu size whose memory no longer pairs takes the smallest memory the
/// size allows (and says so) instead of being refused until memory moves.
pub fn check_edit(
    session: &Session,
    step: StepId,
    field: &str,
    text: &str,
) -> Result<Edited, String> {
    let o = |field: &str, text: String| Override {
        step,
        field: field.to_string(),
        value: OverrideValue::Text(text),
    };
    let errs = match Inputs::resolve(session, &[o(field, text.to_string())]) {
        Ok(inputs) => return Ok(Edited { inputs, note: None }),
        Err(errs) => errs,
    };
    let mine = |e: &&crate::model::InputError| e.step == Some(step) && e.field == field;
    if step == StepId::TaskDefinition
        && field == "cpu"
        && !errs.iter().any(|e| mine(&e))
        && let Ok(cpu) = text.trim().parse::<u32>()
        && let Ok(sizes) = crate::inputs::task_definition::fargate_memory(cpu)
    {
        let memory = sizes[0];
        let both = [o(field, text.to_string()), o("memory", memory.to_string())];
        if let Ok(inputs) = Inputs::resolve(session, &both) {
            return Ok(Edited {
                inputs,
                note: Some(format!(
                    "memory becomes {memory} MiB, the smallest cpu {cpu} pairs with"
                )),
            });
        }
    }
    let mine: Vec<String> = errs
        .iter()
        .filter(|e| mine(e))
        .map(|e| e.message.clone())
        .collect();
    Err(if mine.is_empty() {
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        mine.join("; ")
    })
}

/// What the field allows given the other inputs, when that depends on them
/// (memory on cpu); else its fixed meaning.
pub fn meaning(inputs: &Inputs, step: StepId, field: &Field) -> String {
    if step == StepId::TaskDefinition && field.name == "memory" {
        let cpu = inputs.task_definition.cpu;
        if let Ok(r) = crate::inputs::task_definition::memory_range(cpu) {
            return format!("task memory in MiB; {r}");
        }
    }
    field.meaning.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_as_text_and_edits_checked() {
        let s = Session::new("f", "us-east-1");
        let inputs = Inputs::resolve(&s, &[]).unwrap();
        let v = values(&inputs, StepId::RestApi);
        assert_eq!(v[2].1, "ANY /, ANY /{proxy+}");
        assert_eq!(values(&inputs, StepId::TaskDefinition)[4].1, "256");
        let e = check_edit(&s, StepId::TaskDefinition, "container_port", "22").unwrap_err();
        assert!(e.contains("API Gateway"), "{e}");
        let ok = check_edit(&s, StepId::TaskDefinition, "memory", "1024").unwrap();
        assert_eq!(ok.inputs.task_definition.memory, 1024);
    }

    #[test]
    fn a_cpu_size_brings_memory_along_and_a_wrong_one_is_the_cpus_error() {
        let s = Session::new("f", "us-east-1");
        let e = check_edit(&s, StepId::TaskDefinition, "cpu", "300").unwrap_err();
        assert!(e.contains("cpu 300 is not a Fargate size"), "{e}");
        let up = check_edit(&s, StepId::TaskDefinition, "cpu", "512").unwrap();
        assert_eq!(up.inputs.task_definition.cpu, 512);
        assert_eq!(up.inputs.task_definition.memory, 1024);
        assert!(up.note.unwrap().contains("memory becomes 1024 MiB"));
        let inputs = Inputs::resolve(&s, &[]).unwrap();
        let memory = Inputs::fields(StepId::TaskDefinition)
            .iter()
            .find(|f| f.name == "memory")
            .unwrap();
        assert!(meaning(&inputs, StepId::TaskDefinition, memory).contains("cpu 256 allows"));
        assert!(
            meaning(&up.inputs, StepId::TaskDefinition, memory)
                .contains("cpu 512 allows 1024–4096")
        );
    }
}
