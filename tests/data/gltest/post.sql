-- gltest, after the rows: foreign keys and secondary indexes (one bulk
-- validation or build each instead of a check per inserted row), then the
-- publication. See schema.sql.
SET client_min_messages = warning;

ALTER TABLE public.booking
  ADD CONSTRAINT booking_event_fk FOREIGN KEY (event_id) REFERENCES public.event (event_id),
  ADD CONSTRAINT booking_customer_fk FOREIGN KEY (customer_id) REFERENCES public.customer (customer_id);
ALTER TABLE public.ticket
  ADD CONSTRAINT ticket_booking_fk FOREIGN KEY (booking_id, booked_at)
    REFERENCES public.booking (booking_id, booked_at) DEFERRABLE INITIALLY DEFERRED,
  ADD CONSTRAINT ticket_code_unique UNIQUE (code) DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE public.review
  ADD CONSTRAINT review_event_fk FOREIGN KEY (event_id) REFERENCES public.event (event_id),
  ADD CONSTRAINT review_customer_fk FOREIGN KEY (customer_id) REFERENCES public.customer (customer_id);

CREATE INDEX event_venue_idx ON public.event (venue_id);
CREATE INDEX event_starts_at_idx ON public.event (starts_at);
CREATE INDEX event_title_lower_idx ON public.event (lower(title));
CREATE INDEX event_search_idx ON public.event USING gin (search);
CREATE INDEX customer_last_name_lower_idx ON public.customer (lower(last_name));
CREATE INDEX booking_customer_idx ON public.booking (customer_id);
CREATE INDEX booking_event_idx ON public.booking (event_id);
CREATE INDEX booking_event_open_idx ON public.booking (event_id) WHERE status IN ('held', 'paid');
CREATE INDEX ticket_booking_idx ON public.ticket (booking_id);
CREATE INDEX review_event_idx ON public.review (event_id);

-- Logical replication: blue publishes every table, as a blue/green deployment
-- does. Inserts and truncates only, so a test may still UPDATE a table it adds
-- without a primary key (the schema check still names such a table).
CREATE PUBLICATION gltest_pub FOR ALL TABLES WITH (publish = 'insert, truncate');
