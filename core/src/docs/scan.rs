//! One page of a knowledge base, read with a real CommonMark + GFM parser
//! (pulldown-cmark): its headings and their GitHub anchors, explicit HTML
//! `id`/`name` anchors, every link and image with its line and column
//! (reference-style links resolved, code spans and blocks left out,
//! `<a href>`/`<img src>` in raw HTML included) and its front matter (YAML
//! between `---` or TOML between `+++`, line numbers kept).

use pulldown_cmark::{Event, LinkType, MetadataBlockKind, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::limits::MAX_HTML_DEPTH;

use super::slug::Slugger;

/// A heading and the anchor GitHub gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "DocsHeading"))]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Its rendered text (markup dropped, code kept, image alt text left out).
    pub text: String,
    /// Its anchor (`#anchor`), unique in the page.
    pub anchor: String,
    /// 1-based line.
    pub line: u32,
}

/// What kind of reference a link is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    /// `[text](target)`, `[text][ref]` or `<https://…>`.
    Link,
    /// `![alt](src)`.
    Image,
    /// `<a href>` or `<img src>` in raw HTML.
    Html,
}

/// One link of a page, where it is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "DocsLink"))]
pub struct Link {
    /// The target as written (reference links resolved to their definition).
    pub target: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Link, image or raw HTML.
    pub kind: LinkKind,
}

/// What a page holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[cfg_attr(feature = "ts", ts(rename = "DocsPage"))]
pub struct Page {
    /// Its path relative to the audit root, with `/`.
    pub path: String,
    /// The front matter's `title`, else the first level-1 heading.
    pub title: Option<String>,
    /// Headings in order.
    pub headings: Vec<Heading>,
    /// Anchors from raw HTML `id` and `name` attributes.
    pub html_ids: Vec<String>,
    /// Links and images in order.
    pub links: Vec<Link>,
    /// The front matter as JSON (YAML or TOML), when there is one.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown> | null"))]
    pub front_matter: Option<Value>,
    /// Why the front matter could not be read, when it could not (with its line).
    pub front_matter_error: Option<(u32, String)>,
    /// A g3doc metadata comment (`<!--* freshness: { owner: … } *-->`) as JSON.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown> | null"))]
    pub g3doc: Option<Value>,
    /// Why the g3doc comment could not be read (with its line).
    pub g3doc_error: Option<(u32, String)>,
    /// Secrets in the page's text (code blocks included), masked.
    pub secrets: Vec<super::secrets::SecretHit>,
    /// Suppression comments: `<!-- opskit-disable RULE … -->` (the whole
    /// page), `<!-- opskit-disable-line RULE -->`, `<!-- opskit-disable-next-line RULE -->`;
    /// no rule names every rule.
    pub suppressions: Vec<Suppression>,
}

/// One suppression comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Suppression {
    /// The line it silences (`None`: the whole page).
    pub line: Option<u32>,
    /// The rules it silences (by name or id; empty: all).
    pub rules: Vec<String>,
}

/// The suppression comments of a page's text: `opskit-disable…` inside an
/// HTML comment (`<!-- … -->`) that does not start in one of `code` (the
/// byte ranges of code spans and blocks, where a comment is only shown).
pub(crate) fn suppressions(
    text: &str,
    lines: &Lines<'_>,
    code: &[std::ops::Range<usize>],
) -> Vec<Suppression> {
    const KEY: &str = "opskit-disable";
    let mut out = Vec::new();
    let mut from = 0;
    let opening = memchr::memmem::Finder::new("<!--");
    while let Some(open) = opening.find(&text.as_bytes()[from..]).map(|i| i + from) {
        let body_start = open + "<!--".len();
        let close = memchr::memmem::find(&text.as_bytes()[body_start..], b"-->")
            .map_or(text.len(), |i| i + body_start);
        from = (close + "-->".len()).min(text.len());
        // Code ranges come in page order: the last one starting at or
        // before the comment is the only one that can hold it.
        let before = code.partition_point(|r| r.start <= open);
        if before > 0 && code[before - 1].contains(&open) {
            continue;
        }
        let body = &text[body_start..close];
        let mut at = 0;
        while let Some(i) = body[at..].find(KEY).map(|i| i + at) {
            let after = &body[i + KEY.len()..];
            // `-line`: the line the comment starts on; `-next-line`: the
            // line after the one it ends on (as ESLint reads its comments).
            let (scope, tail) = if let Some(t) = after.strip_prefix("-next-line") {
                (Some(lines.at(close).0 + 1), t)
            } else if let Some(t) = after.strip_prefix("-line") {
                (Some(lines.at(open).0), t)
            } else {
                (None, after)
            };
            let rules = tail
                .split(KEY)
                .next()
                .unwrap_or("")
                .split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(String::from)
                .collect();
            out.push(Suppression { line: scope, rules });
            at = i + KEY.len();
        }
    }
    out
}

impl Page {
    /// Every anchor a `#fragment` may name: headings, then HTML ids.
    pub fn anchors(&self) -> impl Iterator<Item = &str> {
        self.headings
            .iter()
            .map(|h| h.anchor.as_str())
            .chain(self.html_ids.iter().map(String::as_str))
    }
}

/// Byte offset → (line, column), both 1-based, column in characters.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { text, starts }
    }

    pub(crate) fn at(&self, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = self
            .text
            .get(start..offset.min(self.text.len()))
            .map_or(0, |s| s.chars().count());
        (line as u32 + 1, col as u32 + 1)
    }
}

/// The text as cmark-gfm reads it, where pulldown-cmark reads it
/// otherwise, without moving a byte: a fence line (` ``` ` or `~~~`, in a
/// list or a quote too) followed by tabs gets spaces instead, because
/// cmark-gfm closes a code block on it and pulldown-cmark 0.13 only
/// allows spaces there (the rest of the page would read as code).
fn as_cmark_gfm_reads(text: &str) -> std::borrow::Cow<'_, str> {
    fn fence_with_tab(line: &str) -> bool {
        let body = line.trim_end_matches(['\r', '\n']);
        let rest = body.trim_start_matches([' ', '\t', '>']);
        let Some(c) = rest.chars().next().filter(|c| matches!(c, '`' | '~')) else {
            return false;
        };
        let after = rest.trim_start_matches(c);
        rest.len() - after.len() >= 3
            && after.contains('\t')
            && after.chars().all(|x| x == ' ' || x == '\t')
    }
    if !text.contains('\t') || !text.split_inclusive('\n').any(fence_with_tab) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if fence_with_tab(line) {
            let body = line.trim_end_matches(['\r', '\n']);
            let fence = body.trim_end_matches([' ', '\t']);
            out.push_str(fence);
            out.extend(std::iter::repeat_n(' ', body.len() - fence.len()));
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Parse a page's Markdown, as GitHub renders it (cmark-gfm): a UTF-8
/// byte-order mark before the first line is not text (the heading or the
/// front matter after it is read), and a fence followed by tabs closes.
pub fn scan_markdown(path: &str, text: &str) -> Page {
    scan_markdown_with(path, text, Some(&[]))
}

/// [`scan_markdown`], looking for secrets only when asked, with the
/// policy's allow-list (a disabled rule costs nothing).
pub(crate) fn scan_markdown_with(path: &str, text: &str, secrets: Option<&[regex::Regex]>) -> Page {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let read = as_cmark_gfm_reads(text);
    let text: &str = &read;
    let lines = Lines::new(text);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    let mut page = Page {
        path: path.to_string(),
        ..Page::default()
    };
    let mut slugger = Slugger::new();
    // The heading being read: (level, text, line).
    let mut heading: Option<(u8, String, u32)> = None;
    let mut image_depth = 0usize;
    let mut metadata: Option<(MetadataBlockKind, usize, String)> = None;
    // A g3doc comment being read: (its line, its text so far).
    let mut g3doc: Option<(u32, String)> = None;
    // Code spans and blocks: a comment shown there suppresses nothing.
    let mut code = Vec::new();
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        if matches!(event, Event::Code(_) | Event::Start(Tag::CodeBlock(_))) {
            code.push(range.clone());
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, String::new(), lines.at(range.start).0));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text, line)) = heading.take() {
                    // Not trimmed: the space after a leading image stays in
                    // the text GitHub slugs (`![logo](l.png) Logo` → `-logo`).
                    let anchor = slugger.slug(&text);
                    if level == 1 && page.title.is_none() {
                        page.title = Some(text.trim().to_string());
                    }
                    page.headings.push(Heading {
                        level,
                        text,
                        anchor,
                        line,
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, h, _)) = heading.as_mut()
                    && image_depth == 0
                {
                    h.push_str(&t);
                }
                if let Some((_, _, m)) = metadata.as_mut() {
                    m.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, h, _)) = heading.as_mut() {
                    h.push(' ');
                }
            }
            // E-mail autolinks are out of scope offline.
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) if link_type != LinkType::Email => {
                let (line, column) = lines.at(range.start);
                page.links.push(Link {
                    target: dest_url.to_string(),
                    line,
                    column,
                    kind: LinkKind::Link,
                });
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                image_depth += 1;
                let (line, column) = lines.at(range.start);
                page.links.push(Link {
                    target: dest_url.to_string(),
                    line,
                    column,
                    kind: LinkKind::Image,
                });
            }
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            Event::Html(html) | Event::InlineHtml(html) => {
                if g3doc.is_none()
                    && page.g3doc.is_none()
                    && let Some(start) = html.find("<!--*")
                {
                    g3doc = Some((lines.at(range.start).0, html[start + 5..].to_string()));
                } else if let Some((_, body)) = g3doc.as_mut() {
                    body.push_str(&html);
                }
                if let Some((line, body)) = g3doc.take_if(|(_, b)| b.contains("*-->")) {
                    let body = &body[..body.find("*-->").unwrap_or(body.len())];
                    match super::meta::parse_g3doc(body) {
                        Ok(v) => page.g3doc = Some(v),
                        Err(why) => {
                            page.g3doc_error =
                                Some((line, format!("invalid g3doc metadata comment: {why}")))
                        }
                    }
                }
                for (attr, value, at) in html_attributes(&html) {
                    match attr.as_str() {
                        "href" | "src" => {
                            let (line, column) = lines.at(range.start + at);
                            page.links.push(Link {
                                target: value,
                                line,
                                column,
                                kind: LinkKind::Html,
                            });
                        }
                        "id" | "name" => page.html_ids.push(value),
                        _ => {}
                    }
                }
            }
            Event::Start(Tag::MetadataBlock(kind)) => {
                metadata = Some((kind, range.start, String::new()));
            }
            Event::End(TagEnd::MetadataBlock(_)) => {
                if let Some((kind, start, body)) = metadata.take() {
                    // The body starts on the line after the opening fence.
                    let line = lines.at(start).0 + 1;
                    match parse_front_matter(kind, &body) {
                        Ok(v) => page.front_matter = Some(v),
                        Err(why) => page.front_matter_error = Some((line, why)),
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(allow) = secrets {
        page.secrets = super::secrets::find_secrets_allowing(text, allow);
    }
    page.suppressions = suppressions(text, &lines, &code);
    if let Some(t) = page
        .front_matter
        .as_ref()
        .and_then(|f| f.get("title"))
        .and_then(Value::as_str)
    {
        page.title = Some(t.to_string());
    }
    page
}

/// Parse an HTML page (a wiki export, say) with html5ever, as browsers do:
/// its title (`<title>`, else the first `<h1>`), `<h1>`–`<h6>` headings,
/// every `id` and `<a name>` as an anchor (HTML pages have no generated
/// ones), and `<a href>`/`<img src>` links. Positions come from the source
/// text: each link at the next place its attribute value appears.
pub fn scan_html(path: &str, text: &str) -> Page {
    scan_html_with(path, text, Some(&[]))
}

/// [`scan_html`], looking for secrets only when asked. html5ever's work
/// grows with the square of the nesting depth; past Blink's limit the
/// extra levels are flattened (locations still come from the original text).
pub(crate) fn scan_html_with(path: &str, text: &str, secrets: Option<&[regex::Regex]>) -> Page {
    if html_depth(text) > MAX_HTML_DEPTH {
        scan_html_parsed(path, text, &flatten_html(text), secrets)
    } else {
        scan_html_parsed(path, text, text, secrets)
    }
}

/// [`scan_html`] of `text` as parsed from `parsed` (the text itself, or
/// its flattened form); for a caller that has measured the depth already,
/// looking for secrets only when asked.
pub(crate) fn scan_html_parsed(
    path: &str,
    text: &str,
    parsed: &str,
    secrets: Option<&[regex::Regex]>,
) -> Page {
    use scraper::{Html, Selector};
    let lines = Lines::new(text);
    let doc = Html::parse_document(parsed);
    let sel = |s: &str| Selector::parse(s).expect("a valid selector");
    let text_of = |e: scraper::ElementRef| e.text().collect::<String>().trim().to_string();
    let mut page = Page {
        path: path.to_string(),
        ..Page::default()
    };
    page.title = doc
        .select(&sel("title"))
        .next()
        .map(text_of)
        .filter(|t| !t.is_empty())
        .or_else(|| doc.select(&sel("h1")).next().map(text_of));
    // Where in the source a value next appears, moving forward.
    let mut cursor = 0usize;
    let mut locate = |needle: &str| -> (u32, u32) {
        match text[cursor..].find(needle) {
            Some(i) => {
                cursor += i;
                lines.at(cursor)
            }
            None => lines.at(cursor),
        }
    };
    for e in doc.select(&sel(
        "h1, h2, h3, h4, h5, h6, [id], a[name], a[href], img[src]",
    )) {
        let v = e.value();
        let name = v.name();
        if let Some(level) = name
            .strip_prefix('h')
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|_| name.len() == 2)
        {
            let (line, _) = locate(&format!("<{name}"));
            page.headings.push(Heading {
                level,
                text: text_of(e),
                anchor: v.attr("id").unwrap_or("").to_string(),
                line,
            });
        } else if let Some(id) = v.attr("id") {
            page.html_ids.push(id.to_string());
        }
        if name == "a"
            && let Some(n) = v.attr("name")
        {
            page.html_ids.push(n.to_string());
        }
        let target = match name {
            "a" => v.attr("href"),
            "img" => v.attr("src"),
            _ => None,
        };
        if let Some(t) = target {
            let (line, column) = locate(t);
            page.links.push(Link {
                target: t.to_string(),
                line,
                column,
                kind: LinkKind::Html,
            });
        }
    }
    if let Some(allow) = secrets {
        page.secrets = super::secrets::find_secrets_allowing(text, allow);
    }
    page.suppressions = suppressions(text, &lines, &[]);
    page
}

/// Elements that never hold others (void), whose end tag is optional (a
/// new one closes the last), or that an `<a>` closes: they add no depth.
fn adds_no_depth(name: &str) -> bool {
    const FLAT: &[&str] = &[
        "a", "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt",
        "rp", "thead", "tbody", "tfoot", "colgroup", "caption", "head", "body", "html",
    ];
    FLAT.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// One tag of a rough tokenizer that only counts nesting: its byte range,
/// its lower-case name, and whether it closes.
struct RoughTag {
    start: usize,
    end: usize,
    name: String,
    closing: bool,
    self_closing: bool,
}

/// The tags of `text`, skipping comments, doctypes and the contents of
/// `script`, `style`, `textarea` and `title`.
fn rough_tags(text: &str) -> impl Iterator<Item = RoughTag> + '_ {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while let Some(off) = b.get(i..).and_then(|r| r.iter().position(|c| *c == b'<')) {
            let start = i + off;
            if b[start..].starts_with(b"<!--") {
                i = text[start + 4..]
                    .find("-->")
                    .map_or(b.len(), |e| start + 4 + e + 3);
                continue;
            }
            let closing = b.get(start + 1) == Some(&b'/');
            let name_at = start + 1 + usize::from(closing);
            let name_len = b[name_at..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            if name_len == 0 || !b[name_at].is_ascii_alphabetic() {
                i = start + 1;
                continue;
            }
            let end = b[name_at..]
                .iter()
                .position(|c| *c == b'>')
                .map_or(b.len(), |e| name_at + e + 1);
            let name = text[name_at..name_at + name_len].to_ascii_lowercase();
            let self_closing = b[..end].ends_with(b"/>");
            i = end;
            if !closing && matches!(name.as_str(), "script" | "style" | "textarea" | "title") {
                let n = name.len();
                i = (end..b.len().saturating_sub(n + 1))
                    .find(|&k| {
                        b[k] == b'<'
                            && b[k + 1] == b'/'
                            && b[k + 2..k + 2 + n].eq_ignore_ascii_case(name.as_bytes())
                    })
                    .unwrap_or(b.len());
            }
            return Some(RoughTag {
                start,
                end,
                name,
                closing,
                self_closing,
            });
        }
        None
    })
}

/// The deepest element nesting of an HTML page, roughly (see [`MAX_HTML_DEPTH`]).
pub(crate) fn html_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for t in rough_tags(text) {
        if t.self_closing || adds_no_depth(&t.name) {
            continue;
        }
        if t.closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

/// `text` with the start and end tags nested past [`MAX_HTML_DEPTH`] left
/// out (their text stays), as Blink flattens them.
fn flatten_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut depth, mut copied) = (0usize, 0usize);
    for t in rough_tags(text) {
        if t.self_closing || adds_no_depth(&t.name) {
            continue;
        }
        let deep = if t.closing {
            let d = depth > MAX_HTML_DEPTH;
            depth = depth.saturating_sub(1);
            d
        } else {
            depth += 1;
            depth > MAX_HTML_DEPTH
        };
        if deep {
            out.push_str(&text[copied..t.start]);
            copied = t.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn parse_front_matter(kind: MetadataBlockKind, body: &str) -> Result<Value, String> {
    match kind {
        MetadataBlockKind::YamlStyle => {
            let docs = yaml_rust2::YamlLoader::load_from_str(body)
                .map_err(|e| format!("invalid YAML front matter: {e}"))?;
            Ok(docs.first().map_or(Value::Null, yaml_to_json))
        }
        MetadataBlockKind::PlusesStyle => {
            let v: toml::Value = toml::from_str(body)
                .map_err(|e| crate::error::toml_message("TOML front matter", body, &e))?;
            Ok(toml_to_json(v))
        }
    }
}

fn yaml_to_json(y: &yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Real(s) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(s.clone()), Value::Number),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(a) => Value::Array(a.iter().map(yaml_to_json).collect()),
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        other => yaml_to_json(other).to_string(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => Value::Null,
    }
}

fn toml_to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// Attributes of the tags in a piece of raw HTML: (lowercased name, value,
/// byte offset of the tag). Enough for `href`, `src`, `id` and `name`;
/// comments are skipped.
fn html_attributes(html: &str) -> Vec<(String, String, usize)> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<').map(|p| p + i) {
        if html[lt..].starts_with("<!--") {
            i = html[lt..].find("-->").map_or(b.len(), |e| lt + e + 3);
            continue;
        }
        let mut j = lt + 1;
        if j >= b.len() || !b[j].is_ascii_alphabetic() {
            i = lt + 1;
            continue;
        }
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
            j += 1;
        }
        // Attributes until `>`.
        loop {
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' || b[j] == b'/' || b[j] == b'<' {
                break;
            }
            let name_start = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && !b"=>/<".contains(&b[j]) {
                j += 1;
            }
            // Only the attributes a link or an anchor lives in are kept.
            let name = ["href", "src", "id", "name"]
                .into_iter()
                .find(|n| html[name_start..j].eq_ignore_ascii_case(n));
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < b.len() && b[j] == b'=' {
                j += 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                let value = if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let start = j + 1;
                    let end = html[start..].find(q as char).map_or(b.len(), |e| start + e);
                    j = (end + 1).min(b.len());
                    &html[start..end]
                } else {
                    let start = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    &html[start..j]
                };
                if let Some(name) = name {
                    out.push((name.to_string(), decode_entities(value), lt));
                }
            } else if name_start == j {
                j += 1;
            }
        }
        i = j.max(lt + 1);
    }
    out
}

/// The few entities that appear in attribute values.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_links_and_front_matter() {
        let text = "---\ntitle: Deploy runbook\nowner: ops\n---\n\n# Deploy\n\n## Roll *back* `v2`\n\nSee [db](../db/migrate.md#rollback) and ![chart](img/c.png).\n\n[ref]: ./ref.md#x\nUse [the ref][ref].\n\n```sh\n[not](a-link.md)\n```\n\n<a name=\"legacy\"></a><img src=\"x.svg\" id='pic'>\n\nSetext\n------\n\n## ![logo](l.png) Logo heading\n";
        let p = scan_markdown("ops/deploy.md", text);
        assert_eq!(p.title.as_deref(), Some("Deploy runbook"));
        assert_eq!(p.front_matter.as_ref().unwrap()["owner"], "ops");
        let anchors: Vec<_> = p
            .headings
            .iter()
            .map(|h| (h.anchor.as_str(), h.line))
            .collect();
        assert_eq!(
            anchors,
            [
                ("deploy", 6),
                ("roll-back-v2", 8),
                ("setext", 21),
                ("-logo-heading", 24)
            ]
        );
        let links: Vec<_> = p
            .links
            .iter()
            .map(|l| (l.target.as_str(), l.line, l.column, l.kind))
            .collect();
        assert_eq!(
            links,
            [
                ("../db/migrate.md#rollback", 10, 5, LinkKind::Link),
                ("img/c.png", 10, 41, LinkKind::Image),
                ("./ref.md#x", 13, 5, LinkKind::Link),
                ("x.svg", 19, 22, LinkKind::Html),
                ("l.png", 24, 4, LinkKind::Image),
            ]
        );
        assert_eq!(p.html_ids, ["legacy", "pic"]);
    }

    #[test]
    fn html_pages_with_a_real_parser() {
        let text = "<!DOCTYPE html>\n<html><head><title>Wiki: Deploy</title></head>\n<body>\n<h1 id=\"deploy\">Deploy</h1>\n<!-- <a href=\"commented.html\">no</a> -->\n<p>See <a href=\"ops/db.html#rollback\">db</a>\n<img src=\"img/x.png\"><a name=\"legacy\"></a>\n<h2>No id</h2><div id=\"box\"></div>\n<script>var s = '<a href=\"js.html\">';</script>\n</body></html>\n";
        let p = scan_html("wiki/deploy.html", text);
        assert_eq!(p.title.as_deref(), Some("Wiki: Deploy"));
        let h: Vec<_> = p
            .headings
            .iter()
            .map(|h| (h.level, h.text.as_str(), h.anchor.as_str(), h.line))
            .collect();
        assert_eq!(h, [(1, "Deploy", "deploy", 4), (2, "No id", "", 8)]);
        let l: Vec<_> = p
            .links
            .iter()
            .map(|l| (l.target.as_str(), l.line))
            .collect();
        assert_eq!(l, [("ops/db.html#rollback", 6), ("img/x.png", 7)]);
        assert_eq!(p.html_ids, ["legacy", "box"]);
        let anchors: Vec<_> = p.anchors().collect();
        assert!(anchors.contains(&"deploy") && anchors.contains(&"box"));
    }

    #[test]
    fn bad_front_matter_is_reported_with_its_line() {
        let p = scan_markdown("a.md", "---\nowner: [unclosed\n---\n# A\n");
        let (line, why) = p.front_matter_error.unwrap();
        assert_eq!(line, 2);
        assert!(why.contains("YAML"), "{why}");
        assert_eq!(p.headings[0].anchor, "a");
        let p = scan_markdown("b.md", "+++\nowner = \"ops\"\nreviewed = 2026-01-05\n+++\n");
        assert_eq!(p.front_matter.unwrap()["reviewed"], "2026-01-05");
    }
}

#[cfg(test)]
mod depth_tests {
    use super::*;

    #[test]
    fn html_past_the_depth_limit_is_flattened_with_its_links_and_text() {
        let n = MAX_HTML_DEPTH + 100;
        let page = format!(
            "<!-- <div> --><script>'<div>'</script>{}<a href='#deep'>deep</a>{}<h2 id='after'>After</h2>",
            "<div>".repeat(n),
            "</div>".repeat(n)
        );
        assert_eq!(html_depth(&page), n);
        let flat = flatten_html(&page);
        assert_eq!(html_depth(&flat), MAX_HTML_DEPTH);
        let p = scan_html("a.html", &page);
        assert_eq!(p.links.len(), 1);
        assert_eq!(p.links[0].target, "#deep");
        assert_eq!(p.headings[0].anchor, "after");
        // Void elements, optional end tags and self-closing tags add no depth.
        assert_eq!(html_depth(&"<p><li><br><img src=x><x/>".repeat(2000)), 0);
        assert_eq!(html_depth("<DIV><Div></div>"), 2);
    }
}
