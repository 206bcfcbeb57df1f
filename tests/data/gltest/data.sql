-- gltest rows, generated deterministically with generate_series and integer
-- arithmetic (no random(), no now()): every load on every server gives the
-- same rows. Sizes: 20 genres, 200 venues, 5,000 events, 20,000 customers,
-- 60,000 bookings over five partitions, ~86,000 tickets, 10,000 reviews.
SET client_min_messages = warning;
SET TimeZone = 'UTC';

INSERT INTO public.genre (genre_id, name, parent_id) VALUES
  (1, 'Music', NULL), (2, 'Theatre', NULL), (3, 'Sport', NULL), (4, 'Comedy', NULL),
  (5, 'Family', NULL), (6, 'Rock', 1), (7, 'Jazz', 1), (8, 'Classical', 1), (9, 'Electronic', 1),
  (10, 'Opera', 2), (11, 'Musical', 2), (12, 'Drama', 2), (13, 'Football', 3), (14, 'Tennis', 3),
  (15, 'Basketball', 3), (16, 'Stand-up', 4), (17, 'Improv', 4), (18, 'Circus', 5),
  (19, 'Puppetry', 5), (20, 'Folk', 1);

INSERT INTO public.venue (name, city, capacity, location)
SELECT format('%s %s Hall', (ARRAY['North', 'South', 'East', 'West', 'Grand', 'Old', 'New', 'Royal'])[1 + i % 8], i),
       (ARRAY['Lyon', 'Porto', 'Ghent', 'Turin', 'Leeds', 'Graz', 'Bergen', 'Malmo', 'Cork', 'Brno', 'Split', 'Lodz'])[1 + i % 12],
       200 + (i * 37) % 1800,
       ROW(40 + (i % 20) * 0.5, -5 + (i % 30) * 0.7)::public.geo_point
FROM generate_series(1, 200) AS i;

INSERT INTO public.event (venue_id, genre_id, title, description, starts_at, duration, base_price, price_band)
SELECT 1 + (i * 7) % 200,
       1 + i % 20,
       format('%s %s', (ARRAY['Midnight', 'Golden', 'Silent', 'Electric', 'Velvet', 'Paper', 'Iron', 'Crystal',
                              'Wild', 'Blue', 'Hidden', 'Northern', 'Last', 'Broken', 'Bright', 'Distant'])[1 + i % 16],
                      (ARRAY['Garden', 'River', 'Orchestra', 'Circus', 'Parade', 'Echo', 'Harbour', 'Lantern',
                             'Carnival', 'Symphony', 'Mirror', 'Storm', 'Festival', 'Journey', 'Kingdom', 'Anthem',
                             'Voyage', 'Ballad', 'Machine', 'Season', 'Meadow', 'Tower', 'Rhythm', 'Legend'])[1 + (i / 16) % 24])
         || CASE WHEN i > 384 THEN ' ' || (i / 384)::text ELSE '' END,
       format('An evening of %s with %s guests and a %s finale',
              (ARRAY['songs', 'stories', 'dance', 'laughter', 'acrobatics', 'strings', 'drums', 'poetry'])[1 + i % 8],
              (ARRAY['special', 'famous', 'local', 'surprise', 'international'])[1 + i % 5],
              (ARRAY['spectacular', 'quiet', 'loud', 'moving', 'fiery', 'gentle'])[1 + i % 6]),
       timestamptz '2024-01-01 00:00:00+00' + ((i * 613) % 760) * interval '1 day' + (18 + i % 4) * interval '1 hour',
       (60 + (i % 5) * 30) * interval '1 minute',
       10 + (i * 13) % 150 + (i % 2) * 0.5,
       public.price_band((10 + (i * 13) % 150) * 0.8, (10 + (i * 13) % 150) * 1.5)
FROM generate_series(1, 5000) AS i;

INSERT INTO public.customer (email, first_name, last_name, city, created_at, active)
SELECT format('customer%s@example.org', i),
       (ARRAY['Ana', 'Ben', 'Chloe', 'Dario', 'Elif', 'Femi', 'Greta', 'Hugo', 'Ines', 'Jonas',
              'Kira', 'Luca', 'Mila', 'Nils', 'Olga', 'Pavel', 'Quinn', 'Rosa', 'Sami', 'Tove',
              'Uma', 'Victor', 'Wanda', 'Xavi', 'Yara', 'Zeno', 'Aiko', 'Bruno', 'Carla', 'Dmitri',
              'Emma', 'Felix', 'Gaia', 'Hana', 'Ivo', 'Jana', 'Karl', 'Lena', 'Marek', 'Nora'])[1 + i % 40],
       (ARRAY['Silva', 'Novak', 'Rossi', 'Jansen', 'Berg', 'Kowalski', 'Dubois', 'Horvat', 'Lind', 'Moreau',
              'Costa', 'Fischer', 'Nagy', 'Popescu', 'Hansen', 'Meyer', 'Santos', 'Bauer', 'Russo', 'Kovac',
              'Peeters', 'Weber', 'Marin', 'Olsen', 'Ferrari', 'Schmidt', 'Varga', 'Dvorak', 'Laine', 'Garcia',
              'Lopez', 'Martin', 'Bernard', 'Petit', 'Leroy', 'Roux', 'Fontaine', 'Mercier', 'Blanc', 'Girard',
              'Keller', 'Wolf', 'Frank', 'Braun', 'Koch', 'Richter', 'Klein', 'Schulz', 'Neumann', 'Vogel',
              'Ivanov', 'Sokolov', 'Popov', 'Lebedev', 'Kuznetsov', 'Morozov', 'Volkov', 'Pavlov', 'Orlov', 'Zaitsev'])[1 + (i * 7) % 60],
       (ARRAY['Lyon', 'Porto', 'Ghent', 'Turin', 'Leeds', 'Graz', 'Bergen', 'Malmo', 'Cork', 'Brno', 'Split', 'Lodz'])[1 + (i * 5) % 12],
       timestamptz '2023-01-01 00:00:00+00' + ((i * 37) % 700) * interval '1 day' + (i % 86400) * interval '1 second',
       i % 23 <> 0
FROM generate_series(1, 20000) AS i;

INSERT INTO public.booking (event_id, customer_id, booked_at, status, seats, unit_price)
SELECT 1 + (i * 7919) % 5000,
       1 + (i * 104729) % 20000,
       timestamptz '2024-01-01 00:00:00+00' + ((i * 1097) % 800) * interval '1 day' + (i % 1440) * interval '1 minute',
       (ARRAY['paid', 'paid', 'paid', 'used', 'held', 'refunded', 'cancelled']::public.booking_status[])[1 + i % 7],
       1 + i % 4,
       10 + (i * 13) % 150
FROM generate_series(1::bigint, 60000) AS i;

INSERT INTO public.ticket (booking_id, booked_at, seat_no, code)
SELECT b.booking_id, b.booked_at, s, format('T%s-%s', b.booking_id, s)
FROM public.booking b, generate_series(1, b.seats) AS s
WHERE b.status IN ('paid', 'used')
ORDER BY b.booking_id, s;

INSERT INTO public.review (event_id, customer_id, rating, body, created_at)
SELECT 1 + (i * 31) % 5000,
       1 + (i * 17) % 20000,
       1 + (i * i) % 5,
       (ARRAY['Loved it', 'Too loud', 'Great seats', 'Would come again', 'Long queues', 'Magical night'])[1 + i % 6],
       timestamptz '2024-02-01 00:00:00+00' + ((i * 11) % 700) * interval '1 day'
FROM generate_series(1, 10000) AS i;

INSERT INTO public.maintenance_window (during, reason)
SELECT tstzrange(timestamptz '2024-01-07 02:00:00+00' + m * interval '1 month',
                 timestamptz '2024-01-07 05:00:00+00' + m * interval '1 month'),
       'monthly ticketing system upgrade'
FROM generate_series(0, 23) AS m;

REFRESH MATERIALIZED VIEW reporting.daily_revenue;
