//! The fonts `report.pdf` embeds: DejaVu Sans and DejaVu Sans Bold (`fonts/`, with their
//! license). Each PDF carries a subset with only the glyphs it uses, as a CID-keyed TrueType
//! font with a `ToUnicode` map, so every character of the park's language prints (Italian
//! accents, `°C`, `≤`) and the text stays extractable and searchable.

use std::io::Write;
use std::sync::LazyLock;

use flate2::write::ZlibEncoder;
use flate2::Compression;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

const REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// One of the two embedded faces.
pub(crate) struct FontFace {
    name: &'static str,
    data: &'static [u8],
    face: Face<'static>,
}

static REGULAR: LazyLock<FontFace> = LazyLock::new(|| FontFace::parse("DejaVuSans", REGULAR_TTF));
static BOLD: LazyLock<FontFace> = LazyLock::new(|| FontFace::parse("DejaVuSans-Bold", BOLD_TTF));

/// The regular or the bold face.
pub(crate) fn face(bold: bool) -> &'static FontFace {
    if bold {
        &BOLD
    } else {
        &REGULAR
    }
}

impl FontFace {
    fn parse(name: &'static str, data: &'static [u8]) -> Self {
        // The files are part of the binary: failing to parse them is a build defect.
        let face = Face::parse(data, 0).expect("the embedded DejaVu font parses");
        Self { name, data, face }
    }

    /// The glyph of `c`, or of `?` when the font has none (e.g. CJK).
    fn glyph(&self, c: char) -> u16 {
        self.glyph_and_char(c).0
    }

    /// The glyph printed for `c` and the character it shows (`?` for a missing one), so
    /// the text extracted from the PDF says what the page shows.
    fn glyph_and_char(&self, c: char) -> (u16, char) {
        match self.face.glyph_index(c) {
            Some(g) => (g.0, c),
            None => (self.face.glyph_index('?').map_or(0, |g| g.0), '?'),
        }
    }

    fn advance(&self, gid: u16) -> f32 {
        f32::from(self.face.glyph_hor_advance(GlyphId(gid)).unwrap_or(0)) * 1000.0
            / f32::from(self.face.units_per_em())
    }

    /// Width of `s` in points at `size`.
    pub(crate) fn width(&self, s: &str, size: f32) -> f32 {
        s.chars().map(|c| self.advance(self.glyph(c))).sum::<f32>() * size / 1000.0
    }
}

/// The glyphs one PDF uses of one face, in the order of first use.
pub(crate) struct Embed {
    font: &'static FontFace,
    remapper: GlyphRemapper,
    /// Old glyph id and its character, indexed by the new glyph id.
    glyphs: Vec<(u16, char)>,
}

impl Embed {
    pub(crate) fn new(bold: bool) -> Self {
        Self {
            font: face(bold),
            remapper: GlyphRemapper::new(),
            glyphs: vec![(0, '\u{fffd}')],
        }
    }

    /// Text as big-endian 2-byte glyph ids of the subset (Identity-H).
    pub(crate) fn encode(&mut self, s: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(s.len() * 2);
        for c in s.chars() {
            let (old, c) = self.font.glyph_and_char(c);
            let new = self.remapper.remap(old);
            if usize::from(new) == self.glyphs.len() {
                self.glyphs.push((old, c));
            }
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }

    /// Writes the Type0 font `id` and its parts, allocating refs from `next`.
    pub(crate) fn write(&self, pdf: &mut Pdf, id: Ref, next: &mut i32) -> Result<(), String> {
        let mut alloc = || {
            *next += 1;
            Ref::new(*next - 1)
        };
        let (cid, descriptor, cmap, file) = (alloc(), alloc(), alloc(), alloc());
        // A subset's name starts with a tag of six capitals, derived from its glyphs so the
        // same report gives the same bytes.
        let mut hash: u32 = 0x811c_9dc5;
        for (g, _) in &self.glyphs {
            for b in g.to_be_bytes() {
                hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
            }
        }
        let tag: String = (0..6)
            .map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8))
            .collect();
        let base = format!("{tag}+{}", self.font.name);
        let base = Name(base.as_bytes());
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        pdf.type0_font(id)
            .base_font(base)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);

        let mut c = pdf.cid_font(cid);
        c.subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(system)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        c.widths()
            .consecutive(0, self.glyphs.iter().map(|(g, _)| self.font.advance(*g)));
        c.finish();

        let f = &self.font.face;
        let scale = 1000.0 / f32::from(f.units_per_em());
        let bb = f.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(base)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bb.x_min) * scale,
                f32::from(bb.y_min) * scale,
                f32::from(bb.x_max) * scale,
                f32::from(bb.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(f.ascender()) * scale)
            .descent(f32::from(f.descender()) * scale)
            .cap_height(f32::from(f.capital_height().unwrap_or(f.ascender())) * scale)
            .stem_v(if std::ptr::eq(self.font, &*BOLD) {
                140.0
            } else {
                80.0
            })
            .font_file2(file);

        let mut unicode = UnicodeCmap::new(Name(b"Custom"), system);
        for (new, (_, ch)) in self.glyphs.iter().enumerate().skip(1) {
            unicode.pair(new as u16, *ch);
        }
        pdf.cmap(cmap, &unicode.finish());

        let subset = subsetter::subset(self.font.data, 0, &self.remapper)
            .map_err(|e| format!("cannot subset the embedded font {}: {e:?}", self.font.name))?;
        let packed = deflate(&subset);
        pdf.stream(file, &packed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);
        Ok(())
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    // Writing into a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}
