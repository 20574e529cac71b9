"""What `make run` starts (`streamlit run server.py`): dashboard.py, served by st.App together with the app's
own route for the sign-in cookie (app/web_routes.py), which a reload or a new tab needs to stay signed in, and the
command line's route into the running app (app/cli_route.py).
`streamlit run dashboard.py` still works, without that route: a reload then signs the user out."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from app import cli_route
from app.web_routes import base_path, routes

# pages/ beside dashboard.py holds our screens, which app.navigation lists. Until a first st.navigation, Streamlit
# would read the folder itself: a deep link as the server's first request would run that file without
# dashboard.py's frame, and a run failing early would list every file name in the sidebar.
PagesManager.uses_pages_directory = False

app = st.App("dashboard.py", routes=[*routes(), *cli_route.routes(base_path())])
