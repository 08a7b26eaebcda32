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

/// The session's inputs with `field` set to `text`, or what is wrong with it
/// (only this field's errors; others are not the user's concern right now).
pub fn check_edit(
    session: &Session,
    step: StepId,
    field: &str,
    text: &str,
) -> Result<Inputs, String> {
    let o = Override {
        step,
        field: field.to_string(),
        value: OverrideValue::Text(text.to_string()),
    };
    Inputs::resolve(session, &[o]).map_err(|errs| {
        let mine: Vec<String> = errs
            .iter()
            .filter(|e| e.step == Some(step) && e.field == field)
            .map(|e| e.message.clone())
            .collect();
        if mine.is_empty() {
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            mine.join("; ")
        }
    })
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
        assert!(check_edit(&s, StepId::TaskDefinition, "cpu", "512").is_err());
        let e = check_edit(&s, StepId::TaskDefinition, "container_port", "22").unwrap_err();
        assert!(e.contains("API Gateway"), "{e}");
        let ok = check_edit(&s, StepId::TaskDefinition, "memory", "1024").unwrap();
        assert_eq!(ok.task_definition.memory, 1024);
    }
}
