//! `pyguide` with no arguments in a terminal, and `pyguide browse [QUERY]`: a full-screen
//! picker. A query line, the ranked hits updating on every keystroke (the same search as
//! `search`, sections included), and a preview of the selected entry rendered as `show`
//! renders it (the short answer first; Tab for the whole entry). Enter opens the entry in
//! the pager and comes back; `/` finds text in the preview; `c:django` in the query keeps one
//! category; Esc or Ctrl-C leaves, with the terminal restored as it was (also after a panic,
//! through ratatui's hook, and on SIGTERM).
//!
//! Built on ratatui with crossterm; the preview is `render::entry`'s text, its escape
//! sequences read back into styled spans (ansi-to-tui).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ansi_to_tui::IntoText;
use anyhow::Result;
use guide::entry::{Meta, Origin};
use ratatui::Terminal;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style as TuiStyle};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};

use crate::colors::Colors;
use crate::library::Library;
use crate::render::{self, View};
use crate::search::{self, SectionAt};
use crate::settings::Settings;

/// How many hits the list holds: more than a screen shows, and few enough that a keystroke
/// at 10,000 entries stays quick (the search's cost grows with it).
const HITS: usize = 20;

/// One line of the hit list.
#[derive(Debug, Clone)]
struct Row {
    meta: Meta,
    origin: Origin,
    section: Option<SectionAt>,
}

/// What a key did.
enum Action {
    Stay,
    Quit,
    /// Show the selected entry in the pager, then come back.
    Open,
}

pub struct Picker<'s> {
    settings: &'s Settings,
    lib: Library,
    query: String,
    rows: Vec<Row>,
    list: ListState,
    /// The whole entry in the preview, not only its short answer.
    full: bool,
    scroll: u16,
    /// Text being found in the preview (`/`), and whether keys go to it.
    find: String,
    finding: bool,
    message: String,
    /// Rendered previews, by id, whole-or-short and width.
    previews: HashMap<(String, bool, u16), (Text<'static>, Option<usize>)>,
    /// The preview's width at the last draw.
    preview_width: u16,
    /// The query changed since the hits were found: keys typed faster than a search are
    /// taken together, and one search answers them all.
    stale: bool,
}

impl<'s> Picker<'s> {
    pub fn new(settings: &'s Settings, lib: Library, query: &str) -> Picker<'s> {
        let mut picker = Picker {
            settings,
            lib,
            query: query.to_string(),
            rows: Vec::new(),
            list: ListState::default(),
            full: false,
            scroll: 0,
            find: String::new(),
            finding: false,
            message: String::new(),
            previews: HashMap::new(),
            preview_width: 60,
            stale: false,
        };
        picker.update();
        picker
    }

    /// The hits for the query: `c:CATEGORY` words keep one category; no other words lists
    /// every entry.
    fn update(&mut self) {
        let mut category = None;
        let mut words = Vec::new();
        for word in self.query.split_whitespace() {
            match word.strip_prefix("c:") {
                Some(c) if !c.is_empty() => category = Some(c.to_string()),
                _ => words.push(word),
            }
        }
        let words = words.join(" ");
        let rows: Result<Vec<Row>> = if words.trim().is_empty() {
            self.lib.all().map(|all| {
                all.into_iter()
                    .filter_map(|f| f.meta.map(|m| (m, f.origin)))
                    .filter(|(m, _)| category.as_ref().is_none_or(|c| &m.category == c))
                    .map(|(meta, origin)| Row {
                        meta,
                        origin,
                        section: None,
                    })
                    .collect()
            })
        } else {
            let opts = search::Options {
                limit: HITS,
                category: category.clone(),
                correct: false,
            };
            self.lib
                // The list shows no snippets: none are made.
                .guarded(|lib| search::search(lib.index(), &words, &opts, &|_, _| None))
                .map(|outcome| {
                    self.message = if outcome.hits.is_empty() {
                        "no entry matches".to_string()
                    } else if !outcome.confident() {
                        "no entry answers this for sure: the closest".to_string()
                    } else {
                        String::new()
                    };
                    outcome
                        .hits
                        .into_iter()
                        .map(|h| Row {
                            meta: h.meta,
                            origin: h.origin,
                            section: h.section,
                        })
                        .collect()
                })
        };
        match rows {
            Ok(rows) => {
                if words.trim().is_empty() {
                    self.message = category
                        .as_ref()
                        .filter(|_| rows.is_empty())
                        .map(|c| format!("no category `{c}`"))
                        .unwrap_or_default();
                }
                self.rows = rows;
            }
            Err(e) => {
                self.message = format!("{e:#}");
                self.rows.clear();
            }
        }
        self.list.select((!self.rows.is_empty()).then_some(0));
        self.scroll = 0;
    }

    fn selected(&self) -> Option<&Row> {
        self.list.selected().and_then(|k| self.rows.get(k))
    }

    /// The selected entry's preview at a width, and the line of its matched section.
    fn preview(&mut self, width: u16) -> (Text<'static>, Option<usize>) {
        let Some(row) = self.selected().cloned() else {
            return (Text::default(), None);
        };
        let key = (row.meta.id.clone(), self.full, width);
        if let Some(cached) = self.previews.get(&key) {
            return cached.clone();
        }
        let rendered = (|| -> Result<(Text<'static>, Option<usize>)> {
            let entry = self.lib.read(&row.origin)?;
            let related: Vec<Meta> = self
                .lib
                .by_ids(&entry.meta.related)?
                .into_iter()
                .filter_map(|f| f.meta)
                .collect();
            let mut style = self.settings.style;
            style.width = usize::from(width).max(20);
            let view = if self.full {
                View::Full(row.section.as_ref().map(|s| s.anchor.clone()))
            } else {
                View::Short
            };
            let store = (!entry.origin.is_builtin())
                .then(|| self.lib.store())
                .flatten();
            let mut colors = Colors::new(style.theme, store);
            let (text, start) = render::entry(&entry, &related, &view, style, &mut |lang, code| {
                colors.runs(lang, code)
            });
            let text = text.into_text().unwrap_or_else(|_| Text::raw(text.clone()));
            Ok((text, start))
        })();
        let preview = rendered.unwrap_or_else(|e| (Text::raw(format!("{e:#}")), None));
        self.previews.insert(key, preview.clone());
        preview
    }

    /// Finds the hits for the query if it changed since the last search.
    fn refresh(&mut self) {
        if self.stale {
            self.stale = false;
            self.update();
        }
    }

    /// Acts on a key. A key that edits the query only marks the hits stale (`refresh` finds
    /// them); any other key sees the hits of the query as it is.
    fn key(&mut self, key: KeyEvent) -> Action {
        if key.kind != KeyEventKind::Press {
            return Action::Stay;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if !self.finding {
            let edited = match key.code {
                KeyCode::Backspace => {
                    self.query.pop();
                    true
                }
                KeyCode::Char('u') if ctrl => {
                    self.query.clear();
                    true
                }
                KeyCode::Char(c) if !ctrl && c != '/' => {
                    self.query.push(c);
                    true
                }
                _ => false,
            };
            if edited {
                self.stale = true;
                return Action::Stay;
            }
        }
        self.refresh();
        if self.finding {
            match key.code {
                KeyCode::Esc => {
                    self.finding = false;
                    self.find.clear();
                }
                KeyCode::Enter => self.finding = false,
                KeyCode::Backspace => {
                    self.find.pop();
                }
                KeyCode::Char('c') if ctrl => return Action::Quit,
                KeyCode::Char(c) => {
                    self.find.push(c);
                    self.scroll = 0;
                    self.find_next();
                }
                _ => {}
            }
            return Action::Stay;
        }
        match key.code {
            KeyCode::Esc => return Action::Quit,
            KeyCode::Char('c') if ctrl => return Action::Quit,
            KeyCode::Enter => return Action::Open,
            KeyCode::Tab => {
                self.full = !self.full;
                self.scroll = 0;
            }
            KeyCode::Up => self.step(-1),
            KeyCode::Char('p') if ctrl => self.step(-1),
            KeyCode::Down => self.step(1),
            KeyCode::Char('n') if ctrl => self.step(1),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(10),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Char('/') => {
                self.finding = true;
                self.find.clear();
            }
            _ => {}
        }
        Action::Stay
    }

    fn step(&mut self, by: isize) {
        if self.rows.is_empty() {
            return;
        }
        let at = self.list.selected().unwrap_or(0) as isize + by;
        self.list
            .select(Some(at.clamp(0, self.rows.len() as isize - 1) as usize));
        self.scroll = 0;
    }

    /// Scrolls the preview to the next line (after the top) holding the text found.
    fn find_next(&mut self) {
        if self.find.is_empty() {
            return;
        }
        let (text, _) = self.preview(self.preview_width);
        let wanted = self.find.to_lowercase();
        let from = usize::from(self.scroll);
        let hit = text
            .lines
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, l)| line_text(l).to_lowercase().contains(&wanted));
        match hit {
            Some((k, _)) => self.scroll = k as u16,
            None => self.message = format!("`{}` is not in the preview", self.find),
        }
    }

    fn draw(&mut self, frame: &mut ratatui::Frame) {
        self.refresh();
        let area = frame.area();
        let [top, body, bottom] = Layout::default()
            .direction(Direction::Vertical)
            .constraints([
                Constraint::Length(1),
                Constraint::Min(1),
                Constraint::Length(1),
            ])
            .areas(area);
        // Side by side when wide; the list above the preview when narrow.
        let (list_area, preview_area) = if area.width >= 90 {
            let [l, p] = Layout::default()
                .direction(Direction::Horizontal)
                .constraints([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(body);
            (l, p)
        } else {
            let [l, p] = Layout::default()
                .direction(Direction::Vertical)
                .constraints([Constraint::Percentage(35), Constraint::Percentage(65)])
                .areas(body);
            (l, p)
        };
        let color = self.settings.style.color;
        let bold = if color {
            TuiStyle::default().add_modifier(Modifier::BOLD)
        } else {
            TuiStyle::default()
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("> ", bold),
                Span::raw(self.query.clone()),
            ])),
            top,
        );
        frame.set_cursor_position((top.x + 2 + render::columns(&self.query) as u16, top.y));

        let items: Vec<ListItem> = self
            .rows
            .iter()
            .map(|r| {
                let mut spans = vec![Span::styled(r.meta.id.clone(), bold)];
                if let Some(s) = &r.section {
                    spans.push(Span::raw(format!(" § {}", s.title)));
                } else {
                    spans.push(Span::raw(format!("  {}", r.meta.title)));
                }
                ListItem::new(Line::from(spans))
            })
            .collect();
        let highlight = TuiStyle::default().add_modifier(Modifier::REVERSED);
        let list = List::new(items)
            .block(Block::default().borders(Borders::RIGHT | Borders::BOTTOM))
            .highlight_style(highlight)
            .highlight_symbol("▸ ");
        frame.render_stateful_widget(list, list_area, &mut self.list);

        self.preview_width = preview_area.width.saturating_sub(2);
        let (text, start) = self.preview(self.preview_width);
        if self.scroll == 0
            && let Some(start) = start
        {
            self.scroll = start as u16;
        }
        frame.render_widget(
            Paragraph::new(text).scroll((self.scroll, 0)),
            Rect {
                x: preview_area.x + 1,
                width: preview_area.width.saturating_sub(1),
                ..preview_area
            },
        );

        let status = if self.finding {
            format!("/{}", self.find)
        } else if !self.message.is_empty() {
            self.message.clone()
        } else {
            let view = if self.full {
                "whole entry"
            } else {
                "short answer"
            };
            let searching = self.query.split_whitespace().any(|w| !w.starts_with("c:"));
            let what = if searching { "hits" } else { "entries" };
            format!(
                "{} {what} · Esc leave · ↑↓ Enter read · Tab {view} · / find · c:CATEGORY",
                self.rows.len()
            )
        };
        frame.render_widget(
            Paragraph::new(render::truncate(&status, usize::from(bottom.width))).style(
                TuiStyle::default().add_modifier(if color {
                    Modifier::DIM
                } else {
                    Modifier::empty()
                }),
            ),
            bottom,
        );
    }
}

/// A line's text without its styles.
fn line_text(line: &Line) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// Shows an entry in the pager (at a section), for Enter; the caller's `show`.
pub type Open<'a> = dyn FnMut(&mut Library, &Origin, Option<&SectionAt>) -> Result<bool> + 'a;

/// Runs the picker until the user leaves. The terminal is restored on every way out.
pub fn run(settings: &Settings, lib: Library, query: &str, open: &mut Open) -> Result<bool> {
    let stop = Arc::new(AtomicBool::new(false));
    let hook = signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&stop)).ok();
    let mut picker = Picker::new(settings, lib, query);
    let mut terminal = ratatui::try_init()?;
    // Fault injection for the test that a crash restores the terminal (tests/terminal.rs).
    let crash = std::env::var_os("PYGUIDE_TEST_PANIC_IN_PICKER").is_some();
    let result = (|| -> Result<()> {
        loop {
            terminal.draw(|f| picker.draw(f))?;
            if crash {
                panic!("a test asked the picker to crash");
            }
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            if !event::poll(Duration::from_millis(100))? {
                continue;
            }
            // Every key already typed is taken before the next search and draw, so a fast
            // typist waits for one search, not one a key.
            let mut events = vec![event::read()?];
            while events.len() < 256 && event::poll(Duration::ZERO)? {
                events.push(event::read()?);
            }
            for event in events {
                match event {
                    Event::Key(key) => match picker.key(key) {
                        Action::Stay => {}
                        Action::Quit => return Ok(()),
                        Action::Open => {
                            let Some(row) = picker.selected().cloned() else {
                                continue;
                            };
                            ratatui::restore();
                            let shown = open(&mut picker.lib, &row.origin, row.section.as_ref());
                            terminal = ratatui::try_init()?;
                            terminal.clear()?;
                            if let Err(e) = shown {
                                picker.message = format!("{e:#}");
                            }
                        }
                    },
                    Event::Resize(..) => {
                        terminal.autoresize()?;
                    }
                    _ => {}
                }
            }
        }
    })();
    ratatui::restore();
    if let Some(hook) = hook {
        signal_hook::low_level::unregister(hook);
    }
    result.map(|()| true)
}

/// Types `query` one key at a time into a picker drawn on an off-screen terminal, and
/// prints how long each keystroke took to update the hits and draw them with the preview
/// (for BENCHMARKS.md; `pyguide browse --bench-keys QUERY`).
pub fn bench(settings: &Settings, lib: Library, query: &str, size: (u16, u16)) -> Result<bool> {
    let backend = ratatui::backend::TestBackend::new(size.0, size.1);
    let mut terminal = Terminal::new(backend)?;
    let mut picker = Picker::new(settings, lib, "");
    terminal.draw(|f| picker.draw(f))?;
    let mut times = Vec::new();
    for c in query.chars() {
        let started = Instant::now();
        picker.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        terminal.draw(|f| picker.draw(f))?;
        times.push(started.elapsed());
    }
    let mut sorted = times.clone();
    sorted.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let slowest = (0..times.len()).max_by_key(|&k| times[k]).unwrap_or(0);
    let typed: String = query.chars().take(slowest + 1).collect();
    println!(
        "keystrokes {}: median {:.2} ms, max {:.2} ms at `{typed}` ({} hits at the end)",
        times.len(),
        ms(sorted[sorted.len() / 2]),
        ms(*sorted.last().unwrap_or(&Duration::ZERO)),
        picker.rows.len()
    );
    Ok(true)
}
