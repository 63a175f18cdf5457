-- POST /v1/beliefs evaluates a new belief within the cold budget, as a
-- GET does (amp.create_belief answers 102 and the service asks again):
-- the function without the budget goes.
DROP FUNCTION IF EXISTS amp.create_belief(text, jsonb);
