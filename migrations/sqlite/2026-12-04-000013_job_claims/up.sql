-- What scheduled jobs (rt-crontool runs) did to which ticket, and when: a
-- run takes the ticket's row lock (PostgreSQL; SQLite's write lock holds
-- the database), reads this row and skips the ticket when a run of the
-- same job acted on it lately; it writes the row in the DB transaction of
-- what it did. job_key is the hex SHA-256 of the job's search, condition,
-- actions, arguments and template, so the same command line run from cron
-- on several nodes acts on each ticket once.
-- Keep migrations/postgres/ equivalent: a test compares them.
CREATE TABLE job_claims (
    job_key TEXT NOT NULL,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    claimed_at TIMESTAMP NOT NULL,
    node TEXT NOT NULL,
    PRIMARY KEY (job_key, ticket_id)
);
