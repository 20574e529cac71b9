"""What `make run` starts (`streamlit run server.py`): dashboard.py, served by st.App together with the app's
own route for the sign-in cookie (app/web_routes.py), which a reload or a new tab needs to stay signed in.
`streamlit run dashboard.py` still works, without that route: a reload then signs the user out."""

import streamlit as st

from app.web_routes import routes

app = st.App("dashboard.py", routes=routes())
