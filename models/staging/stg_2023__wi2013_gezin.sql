-- Renamed to question ids and typed; the layout comes from seeds/codebook/source_variables.csv.
{{ stage_export(2023, 'Wi2013-gezin') }}
