//! One plain piece of prediction input (no quote mark; every carriage return
//! ends a line) parsed in one pass: a numeric input's field that is a plain
//! decimal is read where it lies, its end found by the parse itself, and
//! every other field is cut at the next comma or line break and goes
//! through the same [`Builder`] calls as [`super::blocks`]' general path.
//! Rows, chunks, lines and errors are the general path's.

use super::blocks::{Parsed, Piece};
use super::column::{At, Builder};
use crate::csv::number::{general_prefix, short_decimal};
use crate::csv::part::{cut_field, fields_on_line, next_line, PieceError};
use crate::error::DataError;
use crate::frame::Frame;
use crate::rows::fits_f32;
use mlg_compiler::ir::InputSlot;

/// The input slot each of the record's `width` fields feeds, or `None` when
/// a field feeds none; `None` altogether when two slots read one field
/// (then the general path reads the piece).
pub(super) fn slots_of_fields(positions: &[usize], width: usize) -> Option<Vec<Option<usize>>> {
    let mut slot_of = vec![None; width];
    for (slot, &j) in positions.iter().enumerate() {
        match slot_of.get_mut(j) {
            Some(entry @ None) => *entry = Some(slot),
            _ => return None,
        }
    }
    Some(slot_of)
}

/// Parses plain `piece` into chunks of at most `chunk_rows` rows; the
/// piece's first line is line 1. `slot_of` is [`slots_of_fields`]'.
pub(super) fn parse_plain(
    piece: &[u8],
    file: &str,
    slots: &[InputSlot],
    slot_of: &[Option<usize>],
    chunk_rows: usize,
) -> Piece {
    let width = slot_of.len();
    let mut builders: Vec<Builder> = slots.iter().map(Builder::new).collect();
    // Every chunk's columns sized for the rows the piece can still hold.
    let newlines = memchr::memchr_iter(b'\n', piece).count();
    let mut room = newlines + 1;
    let reserve = |builders: &mut [Builder], room: usize| {
        builders.iter_mut().for_each(|b| b.reserve(room.min(chunk_rows)));
    };
    reserve(&mut builders, room);
    let numeric: Vec<bool> = builders.iter().map(Builder::is_numeric).collect();
    let (mut chunks, mut lines) = (Vec::new(), Vec::new());
    let (mut line, mut pos) = (0u64, 0usize);
    let mut error = None;
    while pos < piece.len() {
        line += 1;
        if matches!(piece[pos], b'\n' | b'\r') {
            // A blank line (or a bare CRLF).
            pos = next_line(piece, pos);
            continue;
        }
        let line_start = pos;
        let mut j = 0;
        let stopped = loop {
            let slot = slot_of.get(j).copied().flatten();
            let fast = match slot {
                Some(s) if numeric[s] => short_decimal(piece, pos)
                    .or_else(|| general_prefix(piece, pos).filter(|&(v, _)| fits_f32(v)))
                    .filter(|&(_, end)| matches!(piece.get(end), None | Some(b',' | b'\n' | b'\r'))),
                _ => None,
            };
            let end = match (fast, slot) {
                (Some((v, end)), Some(s)) => {
                    builders[s].push_value(v);
                    end
                }
                _ => {
                    let (raw, end) = cut_field(piece, pos);
                    if let Some(s) = slot {
                        if let Err(e) = push_field(&mut builders[s], raw, file, line, &slots[s].name) {
                            break Some(e);
                        }
                    }
                    end
                }
            };
            j += 1;
            if piece.get(end) == Some(&b',') {
                pos = end + 1;
                continue;
            }
            pos = next_line(piece, end);
            break None;
        };
        // A record of the wrong width is refused as such, whatever its fields.
        let found = match stopped {
            Some(_) => fields_on_line(piece, line_start),
            None => j,
        };
        if found != width {
            error = Some(PieceError::Width { line, found });
        } else if let Some(e) = stopped {
            error = Some(PieceError::Data(e));
        }
        if error.is_some() {
            // A row that failed halfway leaves its columns uneven: drop it.
            lines.clear();
            break;
        }
        lines.push(line);
        if lines.len() >= chunk_rows {
            room = room.saturating_sub(lines.len());
            finish(&mut builders, slots, &mut lines, &mut chunks);
            reserve(&mut builders, room);
        }
    }
    finish(&mut builders, slots, &mut lines, &mut chunks);
    let lines = match error {
        Some(_) => line,
        // The last line counts only when a line break ends it.
        None => newlines as u64,
    };
    Piece { chunks, lines, error }
}

/// A field the fast path did not take: as [`super::blocks`]' general path
/// reads it.
fn push_field(
    builder: &mut Builder,
    raw: &[u8],
    file: &str,
    line: u64,
    column: &str,
) -> Result<(), DataError> {
    if builder.push_plain(raw) {
        return Ok(());
    }
    let Ok(text) = std::str::from_utf8(raw) else {
        return Err(DataError::Utf8 {
            file: file.to_string(),
            line,
        });
    };
    builder.push_text(text, &At { file, line, column })
}

/// The rows built so far as one chunk (nothing when there are none).
pub(super) fn finish(
    builders: &mut [Builder],
    slots: &[InputSlot],
    lines: &mut Vec<u64>,
    chunks: &mut Vec<Parsed>,
) {
    if lines.is_empty() {
        return;
    }
    let columns = builders
        .iter_mut()
        .zip(slots)
        .map(|(b, s)| b.take(&s.name))
        .collect();
    let lines = std::mem::take(lines);
    chunks.push(Parsed {
        frame: Frame::new(columns, lines.len()),
        lines,
        bytes: 0,
    });
}

#[cfg(test)]
mod tests {
    use super::super::blocks::{parse_general, Piece};
    use super::{parse_plain, slots_of_fields};
    use mlg_compiler::ir::{InputSlot, SlotKind};

    /// Everything a piece gives, as text: chunks (frames and lines), the
    /// line count when no error stopped it, and the error.
    fn summary(piece: Piece, width: usize) -> String {
        let mut out = String::new();
        for chunk in &piece.chunks {
            out += &format!("{:?} {:?}\n", chunk.frame, chunk.lines);
        }
        match piece.error {
            Some(e) => out + &e.into_error(0, "f.csv", width).to_string(),
            None => out + &format!("lines {}", piece.lines),
        }
    }

    #[test]
    fn the_one_pass_path_gives_what_the_general_path_gives() {
        // Fields a (numeric), b (read by no slot), c (categorical), d (numeric).
        let slots = vec![
            InputSlot {
                name: "a".into(),
                kind: SlotKind::Numeric,
            },
            InputSlot {
                name: "c".into(),
                kind: SlotKind::Categorical {
                    levels: vec!["x".into(), "y".into(), "2".into()],
                },
            },
            InputSlot {
                name: "d".into(),
                kind: SlotKind::Numeric,
            },
        ];
        let (positions, width) = (vec![0, 2, 3], 4);
        let slot_of = slots_of_fields(&positions, width).expect("one slot per field");
        let cases: [&[u8]; 14] = [
            b"1.5,foo,x,2\n-0.25,bar,y,3e2\n",
            b"1,a,x,2\r\n\r\n\n3,b,y,4\r\n",
            b"NA,a,x, 2.5\n,b,,nan\n 1 ,c,z,-7\n+.5,d,2.0,5.\n",
            b"1,a,x,2\n3,b,y,4",
            b"1,a,x,2\n3,b,y,4\n5,c,x\n7,d,y,8\n",
            b"1,a,x,2,9\n",
            b"1,a,x,2\nabc,a,x,2\n",
            b"1,a,x,2\n1e39,a,x,2\n",
            b"abc,a\n",
            b"1,a,x,2\n2,a,x,2\n3,a,x,2\n4,a,x,2\n5,a,x,2\n6,a,x,2\n7,a,x,2\n",
            b"123456789.123456789,a,x,0.000000001\n-1234567.1234567,b,y,12345678.5\n",
            b"1,a,x,\xff\n",
            b"1,a,x,2\n\n",
            b"0.1,a,x,-0\n-0.0,a,x,1e-5\n",
        ];
        for case in cases {
            let general = parse_general(case, "f.csv", &slots, &positions, width, 3);
            let plain = parse_plain(case, "f.csv", &slots, &slot_of, 3);
            let text = String::from_utf8_lossy(case);
            assert_eq!(summary(plain, width), summary(general, width), "{text:?}");
        }
    }

    #[test]
    fn two_slots_on_one_field_go_the_general_way() {
        assert_eq!(slots_of_fields(&[0, 0], 2), None);
        assert_eq!(slots_of_fields(&[1], 2), Some(vec![None, Some(0)]));
    }
}
