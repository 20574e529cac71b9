"""Text shown as text. st.markdown, st.caption, st.error, st.info, widget labels and the rest read their string
as Markdown (with Streamlit's :icons:, :colour[…]: and $math$): a note typed as 「[点此](https://…)」 would become
a link, 「![t](https://…/track.png)」 an image every viewer's browser fetches. The words in tracker/strings hold no
markup, so whatever a page shows that carries data passes through `plain` whole; a page that adds markup of its
own (**bold**) escapes the data inside it."""

from __future__ import annotations

import re

# Markdown's, GFM's (autolinks: www. https:// a@b.c) and Streamlit's special characters: escaped, each reads as
# itself. CommonMark lets any ASCII punctuation be escaped, so an escape too many shows nothing.
_MARKUP = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=&@^\"'])")


def plain(text: object) -> str:
    """The text for any Markdown-reading element, rendering as typed; None as ''."""
    return "" if text is None else _MARKUP.sub(r"\\\1", str(text))


def bold(text: object) -> str:
    """**text**, the text itself inert."""
    return f"**{plain(text)}**"
