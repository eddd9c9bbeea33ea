-- Renamed to question ids and typed: the export this model is named after, its layout from
-- seeds/codebook/source_variables.csv.
{{ stage_named_export() }}
