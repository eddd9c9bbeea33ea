"""Drafting a new wave's codebook rows from the export itself, for a person to review and apply.

- `dictionary.py` reads what an export says about itself: variable names, variable labels
  (question texts), value labels, kinds of value, codes used without a label.
- `reference.py` gathers what the codebook already knows: every earlier wording of each
  question, the answer labels of each answer set with their reviewed synonyms.
- `matching.py` matches variables to questions by text, confirmed by the answer labels, and
  source codes to harmonised codes by label; it detects reversed and renumbered scales.
- `review.py` writes the draft rows, the decisions a person still has to take and the report
  (Markdown and JSON) to a review folder; `apply.py` appends a reviewed draft to the seeds.
"""
