"""Colours (a light and a dark theme), spacing and the bundled fonts.

The web client runs with no CDN (``no_cdn=True``), so Flutter cannot fetch fallback fonts: CJK and
emoji glyphs come from fonts shipped in ``assets/fonts`` and are listed as fallbacks on every text
style, otherwise comments in Chinese or with emoji would draw as empty boxes.
"""

from __future__ import annotations

import flet as ft

BASE_FAMILY = "PhotoShareSans"
FONTS = {
    BASE_FAMILY: "fonts/DejaVuSans.ttf",  # Bitstream Vera licence (free): Latin, Greek, Cyrillic; bold is synthesised
    "PhotoShareCJK": "fonts/DroidSansFallbackFull.ttf",  # Apache-2.0, ~4 MB: Han, kana, Hangul
    "PhotoShareEmoji": "fonts/NotoColorEmoji.ttf",  # OFL-1.1: colour emoji
}
FALLBACK_FAMILIES = [family for family in FONTS if family != BASE_FAMILY]
# DejaVu Sans covers Latin, Greek, Cyrillic and common punctuation; past General Punctuation (U+2000–206F)
# come the symbols, CJK and emoji that need the fallback fonts.
FIRST_CHARACTER_BEYOND_BASE_FONT = 0x2070
ACCENT = ft.Colors.PINK_600
LIKED = ft.Colors.RED_600
SPACING = 12
# The feed column stays phone-width on a desktop screen, as photos are framed for it.
CONTENT_MAX_WIDTH = 560
GRID_COLUMNS = 3

_TEXT_SLOTS = ("display_large", "display_medium", "display_small", "headline_large", "headline_medium",
               "headline_small", "title_large", "title_medium", "title_small", "label_large", "label_medium",
               "label_small", "body_large", "body_medium", "body_small")


def theme() -> ft.Theme:
    """The light theme and the dark one alike: Flet makes the dark one's colours from the same seed."""
    # The colour is stated because a partial text theme otherwise takes the platform's dark-mode text
    # colour on some Linux desktops (white text on the light surface); ON_SURFACE is the light or dark
    # theme's own, so text stays readable in both.
    style = ft.TextStyle(font_family=BASE_FAMILY, font_family_fallback=FALLBACK_FAMILIES, color=ft.Colors.ON_SURFACE)
    return ft.Theme(color_scheme_seed=ACCENT, font_family=BASE_FAMILY,
                    text_theme=ft.TextTheme(**{slot: style for slot in _TEXT_SLOTS}))


def apply(page: ft.Page, *, fallback_fonts: bool = True) -> None:
    """``fallback_fonts=False`` leaves the CJK and emoji fonts for ``add_fallback_fonts``: the browser
    parses fonts on the thread that draws, and 15 MB of them hold the first frame back by ~0.4 s."""
    page.title = "PhotoShare"
    page.fonts = dict(FONTS) if fallback_fonts else {BASE_FAMILY: FONTS[BASE_FAMILY]}
    page.theme = theme()
    page.dark_theme = theme()
    page.theme_mode = ft.ThemeMode.SYSTEM  # until the choice kept in the client's storage is read (``restore_mode``)
    page.padding = 0


def add_fallback_fonts(page: ft.Page) -> None:
    if page.fonts != FONTS:
        page.fonts = dict(FONTS)
        page.update()


def needs_fallback_fonts(texts) -> bool:
    """Whether any of these texts has characters the base font lacks (CJK, emoji and other symbols)."""
    return any(ord(char) >= FIRST_CHARACTER_BEYOND_BASE_FONT for text in texts for char in text)


# The light/dark choice (navigation.THEME_MODES) lives in the client's own storage (the browser's local storage,
# the desktop's preferences): it belongs to the device, not the account, and outlives a browser session.
THEME_PREFERENCE = "photoshare.theme_mode"
_MODES = {"system": ft.ThemeMode.SYSTEM, "light": ft.ThemeMode.LIGHT, "dark": ft.ThemeMode.DARK}


async def restore_mode(page: ft.Page) -> str:
    """Apply the kept choice (``system`` when none or unreadable) and answer it."""
    try:
        mode = await ft.SharedPreferences().get(THEME_PREFERENCE)
    except Exception:  # storage unavailable (a private window, an old client): follow the system
        mode = None
    mode = mode if mode in _MODES else "system"
    if page.theme_mode != _MODES[mode]:
        page.theme_mode = _MODES[mode]
        page.update()
    return mode


async def choose_mode(page: ft.Page, mode: str) -> None:
    page.theme_mode = _MODES[mode]
    page.update()
    await ft.SharedPreferences().set(THEME_PREFERENCE, mode)
