"""Official documents built from sodo's figures: the annual evaluation report (Word, with an
Excel annex) and, later, next year's plan — laid out per Decree 30/2020/NĐ-CP."""
