-- Renamed to question ids and typed; the layout comes from seeds/codebook/source_variables.csv.
{{ stage_export(2024, 'Wi2013-asiel') }}
