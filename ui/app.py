"""The web UI's entry point: `streamlit run ui/app.py` (or `interviewer ui`, or `make run`).

Only Streamlit and light modules load here; the bank, grader and embedding model load when a
page needs them, and the embedding model starts loading in a background thread after the first
page is drawn.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run` puts ui/ itself on sys.path; the repo root is needed for `ui.*` imports when
# the package is not installed (a plain checkout).
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui import resources  # noqa: E402

# Widget values that must survive visits to other pages (Streamlit forgets the state of a
# widget that a run does not draw, unless the value is written back like this).
KEPT = (
    "cfg_categories",
    "cfg_difficulty",
    "cfg_questions",
    "cfg_mode",
    "cfg_follow_ups",
    "cfg_focus",
    "llm_provider",
    "llm_model",
    "llm_base_url",
    "llm_api_key",
)

# A practice tool, not a dev server: no "Deploy" button in the toolbar.
st.set_option("client.toolbarMode", "minimal")
st.set_page_config(
    page_title="AI mock interviewer",
    page_icon=":material/record_voice_over:",
    layout="wide",
    menu_items={"About": "A strict, fair AI mock interviewer for ML interviews. Runs offline."},
)
for _key in KEPT:
    if _key in st.session_state:
        st.session_state[_key] = st.session_state[_key]

pages = [
    st.Page("views/interview.py", title="Interview", icon=":material/forum:", default=True),
    st.Page("views/report.py", title="Report", icon=":material/insights:", url_path="report"),
    st.Page("views/history.py", title="History", icon=":material/history:", url_path="history"),
    st.Page("views/bank.py", title="Bank", icon=":material/library_books:", url_path="bank"),
]
st.navigation(pages, position="top").run()
resources.start_warm_up()
