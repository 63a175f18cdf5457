-- Bringing kept mastery up to date costs what changed (issue #13).
--
-- With migration 012 a window's kept mastery is brought up to date by
-- counting again the members with an event since: each of them from all
-- of its events in the window. Under sustained ingestion into the window
-- nearly every member has one, and the most active members' thousands of
-- events were counted again on every read (0.5 s a read at 5 000 members,
-- which then took the CPU ingestion needed).
--
-- What each member's tallies were is now kept too, per window: the halves'
-- event counts, signalled counts, signal sums and deepest kinds of the
-- events the window's snapshot saw. Tallies only grow while the rollup
-- generation holds (erasure starts a new one), so a member's tallies now
-- are those kept plus those of its events since, and bringing a window up
-- to date costs the events since, not the members' histories. A member
-- with no row is counted from its events, as before, and kept from then.
-- The rows of a window hold for its snapshot only: they are written with
-- it, in one transaction, and go with it (cascade).
CREATE TYPE amp.tally AS (
	member	text,
	e1	int,	-- events in the first half
	e2	int,	-- and in the second
	n1	int,	-- competence-signalled events
	n2	int,
	s1	float8,	-- their signals' sum (0 for none)
	s2	float8,
	d1	int,	-- the deepest kind (amp.depth), NULL for no event
	d2	int
);

CREATE TABLE amp.mastery_members (
	org_id		text NOT NULL,
	zone		text NOT NULL,
	day_from	date NOT NULL,
	day_to		date NOT NULL,
	channel		text NOT NULL,
	campaign	text NOT NULL,
	member		text NOT NULL,
	t		amp.tally NOT NULL,	-- the member's tallies
	PRIMARY KEY (org_id, zone, day_from, day_to, channel, campaign,
	    member),
	FOREIGN KEY (org_id, zone, day_from, day_to, channel, campaign)
	    REFERENCES amp.mastery_memo ON DELETE CASCADE
);
ALTER TABLE amp.mastery_members ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON amp.mastery_members USING
    (org_id = current_setting('amp.org', true)) WITH CHECK
    (org_id = current_setting('amp.org', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON amp.mastery_members TO amp_app;

DROP FUNCTION IF EXISTS amp.read_mastery(text, date[], date[], jsonb[],
    pg_snapshot[], text, text, text, int);
