//! An incremental parser for server-sent events (the WHATWG `text/event-stream` format), used by
//! the widget to read streamed answers and by tests to check them. Feed it bytes as they arrive;
//! it returns every event completed so far.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field, or `message` when absent.
    pub event: String,
    /// The `data:` lines joined with newlines.
    pub data: String,
    /// The `id:` field of this event, if it had one.
    pub id: Option<String>,
}

/// Parser state between chunks.
#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
    event: String,
    data: String,
    has_data: bool,
    id: Option<String>,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a chunk of the body and returns the events it completed. A chunk may end anywhere,
    /// even inside a multi-byte character: only whole lines are decoded.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(chunk);
        let Some(last_newline) = self.pending.iter().rposition(|b| *b == b'\n') else {
            return Vec::new();
        };
        let complete: Vec<u8> = self.pending.drain(..=last_newline).collect();
        let text = String::from_utf8_lossy(&complete);
        let lines = text.strip_suffix('\n').unwrap_or(&text);
        let mut out = Vec::new();
        for line in lines.split('\n') {
            self.line(line.strip_suffix('\r').unwrap_or(line), &mut out);
        }
        out
    }

    fn line(&mut self, line: &str, out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            return self.dispatch(out);
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => value.clone_into(&mut self.event),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        if self.has_data {
            out.push(SseEvent {
                event: if self.event.is_empty() { "message".to_owned() } else { std::mem::take(&mut self.event) },
                data: std::mem::take(&mut self.data),
                id: self.id.take(),
            });
        }
        self.event.clear();
        self.data.clear();
        self.has_data = false;
        self.id = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "event: start\ndata: {\"a\":1}\n\n: keep-alive\n\nevent: delta\nid: 1\ndata: héllo\n\ndata: two\ndata: lines\n\n";

    fn all_at_once() -> Vec<SseEvent> {
        SseParser::new().push(STREAM.as_bytes())
    }

    #[test]
    fn named_events_ids_comments_and_multiline_data_are_parsed() {
        let events = all_at_once();
        assert_eq!(events.len(), 3);
        assert_eq!(events[0], SseEvent { event: "start".into(), data: "{\"a\":1}".into(), id: None });
        assert_eq!(events[1], SseEvent { event: "delta".into(), data: "héllo".into(), id: Some("1".into()) });
        assert_eq!(events[2], SseEvent { event: "message".into(), data: "two\nlines".into(), id: None });
    }

    #[test]
    fn any_split_of_the_bytes_gives_the_same_events() {
        let bytes = STREAM.as_bytes();
        for split in 0..bytes.len() {
            let mut parser = SseParser::new();
            let mut events = parser.push(&bytes[..split]);
            events.extend(parser.push(&bytes[split..]));
            assert_eq!(events, all_at_once(), "split at {split}");
        }
    }

    #[test]
    fn byte_by_byte_feeding_gives_the_same_events() {
        let mut parser = SseParser::new();
        let events: Vec<SseEvent> = STREAM.as_bytes().iter().flat_map(|b| parser.push(&[*b])).collect();
        assert_eq!(events, all_at_once());
    }

    #[test]
    fn crlf_line_endings_are_accepted() {
        let events = SseParser::new().push(b"event: done\r\ndata: x\r\n\r\n");
        assert_eq!(events, vec![SseEvent { event: "done".into(), data: "x".into(), id: None }]);
    }
}
