//! Masking special personal data in free text before it is logged. Plugin log lines and plugin
//! error messages are written by code we do not control; a payroll plugin (TMP-1) handles BSNs,
//! IBANs and ID document numbers, and one careless `log::info!` must not put them in the server
//! log or in front of an operator. What is masked is decided by shape *and* checksum where the
//! number has one, so ordinary numbers (amounts, ids, dates) stay readable.
//!
//! - a BSN: nine digits passing the eleven-test, also written in groups (`123.456.782`,
//!   `123 456 782`);
//! - an IBAN: country code, two check digits and 11–30 letters or digits passing mod-97,
//!   also in groups of four;
//! - an ID document number in the Dutch passport and identity card format: two letters, six
//!   letters or digits with at least one digit among them, and a final digit (`NX1234567`,
//!   `SPECI2014`). It has no checksum, so this errs on the side of masking.
use std::borrow::Cow;

pub const BSN_MASK: &str = "[bsn]";
pub const IBAN_MASK: &str = "[iban]";
pub const DOCUMENT_MASK: &str = "[document number]";

/// `text` with every BSN, IBAN and ID document number replaced by a marker.
pub fn mask_personal_data(text: &str) -> Cow<'_, str> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        let at_boundary = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        if at_boundary {
            if let Some(end) = iban_at(&chars, i) {
                out.push_str(IBAN_MASK);
                changed = true;
                i = end;
                continue;
            }
            if let Some(end) = document_at(&chars, i) {
                out.push_str(DOCUMENT_MASK);
                changed = true;
                i = end;
                continue;
            }
            if let Some(end) = bsn_at(&chars, i) {
                out.push_str(BSN_MASK);
                changed = true;
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

fn ends_word(chars: &[char], end: usize) -> bool {
    chars.get(end).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// The eleven-test of a BSN.
pub fn is_bsn(digits: &[u32]) -> bool {
    if digits.len() != 9 {
        return false;
    }
    let sum: i64 = digits
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let weight = if i == 8 { -1 } else { 9 - i as i64 };
            weight * i64::from(d)
        })
        .sum();
    sum != 0 && sum % 11 == 0
}

/// A BSN starting at `start`: nine digits, optionally split by single dots or spaces, not
/// followed by another digit or letter. Its end.
fn bsn_at(chars: &[char], start: usize) -> Option<usize> {
    let mut digits = Vec::with_capacity(9);
    let mut i = start;
    while i < chars.len() && digits.len() < 9 {
        let c = chars[i];
        if let Some(d) = c.to_digit(10) {
            digits.push(d);
            i += 1;
        } else if (c == '.' || c == ' ')
            && !digits.is_empty()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            i += 1;
        } else {
            break;
        }
    }
    (digits.len() == 9 && ends_word(chars, i) && is_bsn(&digits)).then_some(i)
}

/// The mod-97 test of an IBAN given without separators, upper case.
pub fn is_iban(compact: &str) -> bool {
    let bytes = compact.as_bytes();
    if !(15..=34).contains(&bytes.len())
        || !bytes[..2].iter().all(u8::is_ascii_uppercase)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let mut remainder: u32 = 0;
    for &b in bytes[4..].iter().chain(&bytes[..4]) {
        let value = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b.to_ascii_uppercase() - b'A') + 10
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// An IBAN starting at `start`, compact or in groups of four separated by single spaces; the
/// longest reading that passes mod-97 and ends a word wins. Its end.
fn iban_at(chars: &[char], start: usize) -> Option<usize> {
    if !(chars.get(start)?.is_ascii_alphabetic()
        && chars.get(start + 1)?.is_ascii_alphabetic()
        && chars.get(start + 2)?.is_ascii_digit()
        && chars.get(start + 3)?.is_ascii_digit())
    {
        return None;
    }
    // (end, compact text up to there) for every alphanumeric character taken.
    let mut compact = String::with_capacity(34);
    let mut ends = Vec::with_capacity(34);
    let mut i = start;
    while i < chars.len() && compact.len() < 34 {
        let c = chars[i];
        if c.is_ascii_alphanumeric() {
            compact.push(c.to_ascii_uppercase());
            i += 1;
            ends.push(i);
        } else if c == ' '
            // IBANs are written in groups of four: a space elsewhere ends it, so the next
            // word is not read as part of it.
            && compact.len().is_multiple_of(4)
            && chars.get(i + 1).is_some_and(char::is_ascii_alphanumeric)
        {
            i += 1;
        } else {
            break;
        }
    }
    (15..=compact.len()).rev().find_map(|len| {
        let end = ends[len - 1];
        (ends_word(chars, end) && is_iban(&compact[..len])).then_some(end)
    })
}

/// A Dutch passport or identity card number starting at `start`. Its end.
fn document_at(chars: &[char], start: usize) -> Option<usize> {
    let end = start + 9;
    let word = chars.get(start..end)?;
    let shape = word[..2].iter().all(char::is_ascii_alphabetic)
        && word[2..8].iter().all(char::is_ascii_alphanumeric)
        && word[2..8].iter().any(char::is_ascii_digit)
        && word[8].is_ascii_digit();
    (shape && ends_word(chars, end)).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// A random nine-digit number passing the eleven-test.
    fn random_bsn(rng: &mut impl Rng) -> String {
        loop {
            let mut digits: Vec<u32> = (0..8).map(|_| rng.random_range(0..10)).collect();
            let partial: i64 = digits
                .iter()
                .enumerate()
                .map(|(i, &d)| (9 - i as i64) * i64::from(d))
                .sum();
            let last = partial % 11;
            if last < 10 {
                digits.push(last as u32);
                if is_bsn(&digits) {
                    return digits.iter().map(|d| d.to_string()).collect();
                }
            }
        }
    }

    /// A random Dutch IBAN with correct check digits.
    fn random_iban(rng: &mut impl Rng) -> String {
        let bank: String = (0..4)
            .map(|_| char::from(b'A' + rng.random_range(0..26u8)))
            .collect();
        let account: String = (0..10)
            .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
            .collect();
        for check in 2..=98 {
            let iban = format!("NL{check:02}{bank}{account}");
            if is_iban(&iban) {
                return iban;
            }
        }
        unreachable!("some check digits pass")
    }

    fn grouped(text: &str, size: usize, separator: &str) -> String {
        text.chars()
            .collect::<Vec<_>>()
            .chunks(size)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(separator)
    }

    fn surroundings(rng: &mut impl Rng) -> (String, String) {
        let words = ["", "bsn ", "nummer: ", "(", "placing voor ", "\"", "x="];
        let tails = ["", " verzonden", ")", ".", ",", "\"", "\n"];
        (
            words[rng.random_range(0..words.len())].to_string(),
            tails[rng.random_range(0..tails.len())].to_string(),
        )
    }

    #[test]
    fn sec_log_masking_hides_every_valid_bsn_in_any_common_notation() {
        let mut rng = rand::rng();
        for _ in 0..500 {
            let bsn = random_bsn(&mut rng);
            let written = match rng.random_range(0..4) {
                0 => bsn.clone(),
                1 => format!("{}.{}.{}", &bsn[..3], &bsn[3..6], &bsn[6..]),
                2 => format!("{} {} {}", &bsn[..3], &bsn[3..6], &bsn[6..]),
                _ => format!("{}.{}.{}", &bsn[..4], &bsn[4..6], &bsn[6..]),
            };
            let (before, after) = surroundings(&mut rng);
            let line = format!("{before}{written}{after}");
            let masked = mask_personal_data(&line);
            assert!(!masked.contains(&written), "{line:?} → {masked:?}");
            assert_eq!(masked, format!("{before}{BSN_MASK}{after}"), "{line:?}");
        }
    }

    #[test]
    fn sec_log_masking_leaves_numbers_that_fail_the_eleven_test() {
        let mut rng = rand::rng();
        let mut kept = 0;
        for _ in 0..500 {
            let n: u64 = rng.random_range(100_000_000..1_000_000_000);
            let text = n.to_string();
            let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
            let line = format!("order {text} shipped");
            let masked = mask_personal_data(&line);
            if is_bsn(&digits) {
                assert_eq!(masked, format!("order {BSN_MASK} shipped"));
            } else {
                assert_eq!(masked, line);
                kept += 1;
            }
        }
        assert!(kept > 400, "most random numbers are not BSNs");
        // Longer and shorter digit runs are not BSNs.
        for line in ["1234567820", "12345678", "amount 2026-11-25 14:03"] {
            assert_eq!(mask_personal_data(line), line);
        }
    }

    #[test]
    fn sec_log_masking_hides_every_valid_iban_compact_or_grouped() {
        let mut rng = rand::rng();
        for _ in 0..300 {
            let iban = random_iban(&mut rng);
            let written = match rng.random_range(0..3) {
                0 => iban.clone(),
                1 => grouped(&iban, 4, " "),
                _ => iban.to_ascii_lowercase(),
            };
            let (before, after) = surroundings(&mut rng);
            let line = format!("{before}{written}{after}");
            let masked = mask_personal_data(&line);
            assert_eq!(masked, format!("{before}{IBAN_MASK}{after}"), "{line:?}");
        }
        assert_eq!(
            mask_personal_data("iban NL91ABNA0417164300 ok"),
            format!("iban {IBAN_MASK} ok")
        );
        // A wrong check digit is not an IBAN (and this one has no other shape we mask).
        assert_eq!(
            mask_personal_data("ref NL92ABNA0417164300 ok"),
            "ref NL92ABNA0417164300 ok"
        );
    }

    #[test]
    fn sec_log_masking_hides_id_document_numbers() {
        let mut rng = rand::rng();
        let alnum = b"ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789";
        for _ in 0..300 {
            let mut number: String = (0..2)
                .map(|_| char::from(b'A' + rng.random_range(0..26u8)))
                .collect();
            let digit_at = rng.random_range(0..6);
            for i in 0..6 {
                number.push(if i == digit_at {
                    char::from(b'0' + rng.random_range(0..10u8))
                } else {
                    char::from(alnum[rng.random_range(0..alnum.len())])
                });
            }
            number.push(char::from(b'0' + rng.random_range(0..10u8)));
            let (before, after) = surroundings(&mut rng);
            let line = format!("{before}{number}{after}");
            assert_eq!(
                mask_personal_data(&line),
                format!("{before}{DOCUMENT_MASK}{after}"),
                "{line:?}"
            );
        }
        for kept in [
            "ranking with interface 0.1.0",
            "sending placement for cand-42",
            "SPECIMENS",
            "ABCDEFGHI1",
        ] {
            assert_eq!(mask_personal_data(kept), kept);
        }
    }

    #[test]
    fn sec_log_masking_handles_several_kinds_in_one_line() {
        let line = "bsn 111222333, iban NL91 ABNA 0417 1643 00, paspoort NX1234567.";
        assert_eq!(
            mask_personal_data(line),
            format!("bsn {BSN_MASK}, iban {IBAN_MASK}, paspoort {DOCUMENT_MASK}.")
        );
    }
}
