"""Assessment: is each target on track, is each task on time, who lags (DESIGN.md §6).

Pure computation lives in :mod:`.targets` and :mod:`.tasks`; :mod:`.service` gathers the data
from the programme and the operational store; :mod:`.quality` extends the programme lint.
"""
