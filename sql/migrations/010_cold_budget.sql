-- A series or belief read may stop computing mastery after a budget, keep
-- what it computed and answer 102 to be sent again (src/call.c): these
-- functions take the budget as a new last parameter; their old signatures
-- go.
DROP FUNCTION IF EXISTS amp.windows_data(text, date[], date[], text, text,
    text);
DROP FUNCTION IF EXISTS amp.indicator_series(text, text, text, text, text,
    text);
DROP FUNCTION IF EXISTS amp.belief_data(text, amp.beliefs);
DROP FUNCTION IF EXISTS amp.get_belief(text, text);
DROP FUNCTION IF EXISTS amp.list_beliefs(text, int, text);
