SELECT set_config('amp.org', 'r7', false);
SELECT amp.indicator_series('r7', 'week', NULL, NULL, '2024-01-01', '2024-12-31');
