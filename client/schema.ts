/**
 * Generated from seatlock's OpenAPI document by client/generate.ts (npm run client:generate).
 * Do not edit: test/client.test.ts fails when this file and the served document differ.
 */
export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: 200 while the process runs */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics (text exposition format)
         * @description Hold, confirm and refusal counters (exact per instance: sum them), latency histograms, job leadership, and gauges read from Redis at scrape time (active holds, held seats, sweeper lag: the same on every instance), dependency health, and Node.js process metrics. No label carries an id.
         */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: 200 when Redis and the ledger answer, else 503 naming which does not */
        get: operations["ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ui/events/{eventId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A live seat map page for people (HTML): buyer and operator modes
         * @description Draws every section as rows of seats coloured by status, live through the event stream; a buyer selects seats or asks for the best seats together in a section given as rows, holds, confirms or releases them; an operator (admin token typed into the page) watches holds per second, refusals, expiring holds and expiry lag. Served with its assets by this service, nothing from elsewhere.
         */
        get: operations["seatMapPage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Events, paged, by where their sale stands and by start (admin)
         * @description A stable order: events without a start first, then by start, then by id. `status` is judged at Redis time, the clock holds are refused by.
         */
        get: operations["listEvents"];
        put?: never;
        /** Create an event (admin) */
        post: operations["createEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An event with live counts per section */
        get: operations["getEvent"];
        put?: never;
        post?: never;
        /**
         * Delete an event that never sold (admin)
         * @description Only an event without any reservation (confirmed, cancelled or voided) may be deleted: 204, and the event, its holds and its Redis state are gone (404 afterwards). Otherwise 409 EVENT_HAS_SALES. The ledger decides in one transaction: a confirm racing the delete either commits first (and the delete is refused) or fails with 404 EVENT_NOT_FOUND.
         */
        delete: operations["deleteEvent"];
        options?: never;
        head?: never;
        /**
         * Change an event: name, start, sales window, prices before the first sale (admin)
         * @description Only the fields given change. A sales window change applies to the next hold on every instance; other instances serve a new name, start or price within about 2 s. Prices change only while nothing is sold (409 PRICES_LOCKED); seats and sections never change.
         */
        patch: operations["updateEvent"];
        trace?: never;
    };
    "/v1/events/{eventId}/archive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Archive an event that is over (admin)
         * @description An event whose start has passed, or whose sales ended or were closed, becomes `archived` for good: its Redis state is removed and never rebuilt; reads (the event, its seats and seat map) come from the ledger; holds are refused with 409 EVENT_ARCHIVED on every instance from the next request; reservations stay readable and cancellable (in the ledger alone). 409 EVENT_NOT_ENDED before it is over, 409 EVENT_BUSY while a hold, a confirm in flight or a change stream lives in it (release or let them expire, then retry). A repeat answers 200 with the archived event.
         */
        post: operations["archiveEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/blocks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The blocks and allocations holding seats now, oldest first (admin) */
        get: operations["listBlocks"];
        put?: never;
        /**
         * Hold seats back: a block, or a named allocation with an optional release time (admin)
         * @description All or nothing: when any seat is held, sold or in another block, nothing is blocked (409 SEATS_NOT_BLOCKABLE lists each such seat and why). Seats of seated sections only. Until the block ends nobody can hold its seats, admins included; they count as `blocked`, not available. An allocation's seats go back on sale by themselves within a second of `releaseAt`, announced once on the event stream as seats.released.
         */
        post: operations["createBlock"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/blocks/{blockId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One block, also after it ended (unblocked or released) (admin) */
        get: operations["getBlock"];
        put?: never;
        post?: never;
        /**
         * Unblock: every seat of the block goes back on sale at once (admin)
         * @description All of its seats in one step, available before the response (announced as seats.unblocked). Safe to repeat: a block that already ended answers 204 again.
         */
        delete: operations["deleteBlock"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/holders/{holder}/holds": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Release every active hold of one holder (admin)
         * @description With verified holder identity (HOLDER_JWT_SECRET / HOLDER_JWKS_URL) the holder is the subject (sub) of the buyer's identity token, as every hold records it.
         */
        delete: operations["releaseHolderHolds"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/holds": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Take a hold on seats and general-admission units, all or nothing
         * @description Send an Idempotency-Key to make retries safe: the same key for the same event and holder within 24 h returns the first response again (header Idempotent-Replayed: true).
         */
        post: operations["createHold"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/holds/{holdId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a hold (Hold-Token or admin) */
        get: operations["getHold"];
        put?: never;
        post?: never;
        /** Release a hold now; its seats are available before the response */
        delete: operations["releaseHold"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/holds/{holdId}/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Confirm a hold: one ledger transaction writes the reservation
         * @description Safe to retry: confirming a confirmed hold answers 200 with the same reservation.
         */
        post: operations["confirmHold"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/holds/{holdId}/extend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Extend a hold: expiry = now + ttlSeconds, capped at HOLD_LIFETIME_MAX_S from creation */
        post: operations["extendHold"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/reservations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Confirmed reservations, newest first (admin) */
        get: operations["listReservations"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/reservations/{reservationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A reservation (the token of the hold it came from, or admin) */
        get: operations["getReservation"];
        put?: never;
        post?: never;
        /** Cancel a reservation: the ledger returns its seats in one transaction */
        delete: operations["cancelReservation"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/sales/close": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Close the event's sales at once (admin)
         * @description From the next request on every instance, holds are refused with 409 SALES_CLOSED until the sales are reopened. Admin holds (the box office) still sell; existing holds may be confirmed.
         */
        post: operations["closeSales"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/sales/open": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reopen the event's sales closed by hand (admin)
         * @description Undoes a close: holds are accepted again within the sales window (outside it they are still refused: SALES_NOT_OPEN before it, SALES_CLOSED after it).
         */
        post: operations["openSales"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/seat-map": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Compact status of every seat of the seated sections, with counts per section and row
         * @description One character per seat, for a live seat map of a large venue (about one byte a seat). Each section is read in pages: seats change while it is read, and the counts are those of `status`.
         */
        get: operations["getSeatMap"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/seats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Status of every seat of the seated sections */
        get: operations["listSeats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{eventId}/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live changes of an event (Server-Sent Events)
         * @description Server-Sent Events (`text/event-stream`), public. The stream opens with one `snapshot` event whose
         *     data is the event view (as `GET /v1/events/{eventId}`), then sends one event per change:
         *     `hold.created`, `hold.extended`, `hold.released`, `hold.expired`, `hold.confirmed`,
         *     `reservation.cancelled`. The data of a change is JSON:
         *     `{"type", "eventId", "at", "holdId"?, "reservationId"?, "expiresAt"?, "sections": [{"id", "capacity",
         *     "available", "held", "sold"}]}`, with the counts after the change for each section it touched. `id:` is
         *     `<at ms>-<sequence>`. A `: ping` comment is sent every 15 s. Changes are not replayed: after a
         *     reconnection (`Last-Event-ID` is ignored) a new snapshot gives the current counts. 503
         *     `TOO_MANY_STREAMS` when this instance serves as many streams as it allows; 409 `EVENT_ARCHIVED` for an
         *     archived event (it changes no more).
         */
        get: operations["streamEvent"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Block: {
            /** @description null: a plain block */
            allocation: string | null;
            /**
             * Format: date-time
             * @description ISO 8601, UTC
             */
            createdAt: string;
            /**
             * Format: date-time
             * @description ISO 8601, UTC
             */
            endedAt: string | null;
            eventId: string;
            id: string;
            reason: string;
            /** @description null: held back until unblocked */
            releaseAt: string | (never | null);
            seats: {
                /** @description Letters, digits, "_", "." and "-" */
                seat: string;
                /** @description Letters, digits, "_", "." and "-" */
                section: string;
            }[];
            /** @description active while it holds its seats; unblocked by an admin, or released at its time */
            status: "active" | "unblocked" | "released";
        };
        Error: {
            code: string;
            details?: {
                [key: string]: unknown;
            };
            error: string;
            message: string;
            statusCode: number;
        };
        Event: {
            /** @description When archived; null while active */
            archivedAt: string | null;
            /** @description Price categories: a seat of a category costs its price instead of its section's */
            categories?: {
                [key: string]: number;
            };
            currency: string;
            id: string;
            /** @description What a best-available pick may leave as a lone seat (one free seat between taken seats or at a row edge): strict never, soft only when no other block fits (the default), off ignores them */
            loneSeats?: "strict" | "soft" | "off";
            name: string;
            /** @description null: until closed by hand */
            salesCloseAt: string | null;
            /** @description Sales closed by an admin, whatever the window says */
            salesClosed: boolean;
            /** @description null: on sale from creation */
            salesOpenAt: string | null;
            sections: {
                /** @description capacity - held - sold - blocked */
                available: number;
                /** @description Seats held back by an admin's blocks (0 in general admission) */
                blocked: number;
                capacity: number;
                held: number;
                id: string;
                kind: "seated" | "ga";
                name: string;
                price: number;
                /** @description The rows as they were given at creation */
                rows?: {
                    /** @description Wheelchair spaces among the seats of the row */
                    accessible?: string | string[];
                    /** @description The price category of the row's seats (a key of the event's `categories`) */
                    category?: string;
                    /** @description Companion seats of wheelchair spaces among the seats of the row */
                    companions?: string | string[];
                    /** @description Row name; a seat's label is "<row>-<seat>", e.g. "A-12" */
                    row: string;
                    /** @description Category id → seats of this row that take it instead of the row's category */
                    seatCategories?: {
                        [key: string]: string | string[];
                    };
                    /** @description The seats of the row in adjacency order */
                    seats: string | string[];
                }[];
                sold: number;
            }[];
            startsAt: string | null;
            /** @description active: the sales window and a close by hand decide what sells; archived (final): sells nothing, changes no more, counts and seats read from the ledger, reservations readable and cancellable */
            status: "active" | "archived";
        };
        EventSummary: {
            archivedAt: string | null;
            createdAt: string;
            currency: string;
            id: string;
            name: string;
            salesCloseAt: string | null;
            salesClosed: boolean;
            salesOpenAt: string | null;
            /** @description Where the sale stands now: archived, else closed by hand, else not yet open (before salesOpenAt), ended (from salesCloseAt on) or on sale */
            salesState: "on-sale" | "not-yet-open" | "ended" | "closed" | "archived";
            startsAt: string | null;
            /** @description active: the sales window and a close by hand decide what sells; archived (final): sells nothing, changes no more, counts and seats read from the ledger, reservations readable and cancellable */
            status: "active" | "archived";
        };
        Hold: {
            /**
             * Format: date-time
             * @description ISO 8601, UTC
             */
            createdAt: string;
            eventId: string;
            /**
             * Format: date-time
             * @description ISO 8601, UTC
             */
            expiresAt: string;
            holder: string;
            id: string;
            items: ({
                seats: string[];
                /** @description Letters, digits, "_", "." and "-" */
                section: string;
            } | {
                quantity: number;
                /** @description Letters, digits, "_", "." and "-" */
                section: string;
            })[];
            /** @description Present once confirmed */
            reservationId?: string;
            status: "held" | "confirming" | "confirmed";
            /** @description The hold secret; shown only when the hold is created */
            token?: string;
            /** @description Milliseconds until expiry, on reads */
            ttlMs?: number;
        };
        Reservation: {
            /** @description Minor units */
            amount: number;
            /**
             * Format: date-time
             * @description ISO 8601, UTC
             */
            createdAt: string;
            currency: string;
            eventId: string;
            holder: string;
            holdId: string;
            id: string;
            items: ({
                seats: string[];
                /** @description Letters, digits, "_", "." and "-" */
                section: string;
            } | {
                quantity: number;
                /** @description Letters, digits, "_", "." and "-" */
                section: string;
            })[];
            paymentRef: string | null;
            status: "confirmed" | "cancelled";
        };
        SeatMap: {
            sections: {
                /** @description Positions in `status` of wheelchair spaces */
                accessible: number[];
                available: number;
                blocked: number;
                capacity: number;
                /** @description Positions in `status` of companion seats of wheelchair spaces */
                companions: number[];
                held: number;
                id: string;
                /** @description Counts per row of a section given as rows, as parallel arrays: row i is names[i] with seats[i] seats, the next seats[i] characters of `status` */
                rows?: {
                    available: number[];
                    blocked: number[];
                    held: number[];
                    names: string[];
                    seats: number[];
                    sold: number[];
                };
                sold: number;
                /**
                 * @description One character per seat in layout order (the section's rows, each in its order; or its list of seats): "a" available, "h" held, "s" sold, "b" blocked. Treat any other character as not available.
                 * @example aaahhsaaaa
                 */
                status: string;
            }[];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ok";
                    };
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text format 0.0.4 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    ready: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        ledger: "up" | "down";
                        redis: "up" | "down";
                        status: "ready" | "unavailable";
                    };
                };
            };
            /** @description Default Response */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        ledger: "up" | "down";
                        redis: "up" | "down";
                        status: "ready" | "unavailable";
                    };
                };
            };
        };
    };
    seatMapPage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    listEvents: {
        parameters: {
            query?: {
                cursor?: string;
                /** @description 1-100, default 20 */
                limit?: string;
                /** @description Events starting before this time */
                startsBefore?: string;
                /** @description Events starting at or after this time */
                startsFrom?: string;
                /** @description Where the sale stands now: archived, else closed by hand, else not yet open (before salesOpenAt), ended (from salesCloseAt on) or on sale */
                status?: "on-sale" | "not-yet-open" | "ended" | "closed" | "archived";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["EventSummary"][];
                        /** @description Pass as `cursor` for the next page; null on the last */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description Error codes: INVALID_REQUEST, INVALID_CURSOR */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST" | "INVALID_CURSOR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    createEvent: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "id": "arena-2026-12-01",
                 *       "name": "Arena concert",
                 *       "startsAt": "2026-12-01T19:00:00Z",
                 *       "salesOpenAt": "2026-09-01T09:00:00Z",
                 *       "salesCloseAt": "2026-12-01T18:00:00Z",
                 *       "currency": "EUR",
                 *       "categories": {
                 *         "P1": 9900
                 *       },
                 *       "sections": [
                 *         {
                 *           "id": "block-101",
                 *           "name": "Block 101",
                 *           "price": 4900,
                 *           "rows": [
                 *             {
                 *               "row": "A",
                 *               "seats": "1-20",
                 *               "accessible": "1,20",
                 *               "companions": "2,19",
                 *               "category": "P1"
                 *             },
                 *             {
                 *               "row": "B",
                 *               "seats": "1-10,12,14-20",
                 *               "seatCategories": {
                 *                 "P1": "9-10,12"
                 *               }
                 *             }
                 *           ]
                 *         },
                 *         {
                 *           "id": "vip",
                 *           "name": "VIP",
                 *           "price": 15000,
                 *           "seats": [
                 *             "V1",
                 *             "V2",
                 *             "V3"
                 *           ]
                 *         },
                 *         {
                 *           "id": "floor",
                 *           "name": "Floor",
                 *           "price": 3900,
                 *           "capacity": 2000
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": {
                    /** @description Price categories: a seat of a category costs its price instead of its section's */
                    categories?: {
                        [key: string]: number;
                    };
                    /** @description ISO 4217, default USD */
                    currency?: string;
                    /** @description Letters, digits, "_", "." and "-" */
                    id?: string;
                    /** @description What a best-available pick may leave as a lone seat (one free seat between taken seats or at a row edge): strict never, soft only when no other block fits (the default), off ignores them */
                    loneSeats?: "strict" | "soft" | "off";
                    name: string;
                    /**
                     * Format: date-time
                     * @description Holds are refused from it on (409 SALES_CLOSED)
                     */
                    salesCloseAt?: string;
                    /**
                     * Format: date-time
                     * @description Holds are refused before it (409 SALES_NOT_OPEN)
                     */
                    salesOpenAt?: string;
                    sections: ({
                        /** @description Letters, digits, "_", "." and "-" */
                        id?: string;
                        name: string;
                        /** @description Minor units of the currency */
                        price: number;
                        /** @description Seat labels, unique */
                        seats: string[];
                    } | {
                        /** @description Letters, digits, "_", "." and "-" */
                        id?: string;
                        name: string;
                        /** @description Minor units of the currency */
                        price: number;
                        /** @description A seated section as rows of seats (1-100,000 seats in all); labels are "<row>-<seat>" */
                        rows: {
                            /** @description Wheelchair spaces among the seats of the row */
                            accessible?: string | string[];
                            /** @description The price category of the row's seats (a key of the event's `categories`) */
                            category?: string;
                            /** @description Companion seats of wheelchair spaces among the seats of the row */
                            companions?: string | string[];
                            /** @description Row name; a seat's label is "<row>-<seat>", e.g. "A-12" */
                            row: string;
                            /** @description Category id → seats of this row that take it instead of the row's category */
                            seatCategories?: {
                                [key: string]: string | string[];
                            };
                            /** @description The seats of the row in adjacency order */
                            seats: string | string[];
                        }[];
                    } | {
                        /** @description General admission units */
                        capacity: number;
                        /** @description Letters, digits, "_", "." and "-" */
                        id?: string;
                        name: string;
                        /** @description Minor units of the currency */
                        price: number;
                    })[];
                    /** Format: date-time */
                    startsAt?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description Error codes: INVALID_REQUEST, INVALID_JSON, DUPLICATE_SEATS, INVALID_LAYOUT */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST" | "INVALID_JSON" | "DUPLICATE_SEATS" | "INVALID_LAYOUT";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_EXISTS */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_EXISTS";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "PAYLOAD_TOO_LARGE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 413;
                    };
                };
            };
            /** @description Error codes: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNSUPPORTED_MEDIA_TYPE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 415;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    getEvent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    deleteEvent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: EVENT_HAS_SALES */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_HAS_SALES";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    updateEvent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "Arena concert (second night)",
                 *       "startsAt": "2026-12-02T19:00:00Z",
                 *       "salesCloseAt": "2026-12-02T18:00:00Z",
                 *       "prices": {
                 *         "sections": {
                 *           "floor": 4500
                 *         },
                 *         "categories": {
                 *           "P1": 10900
                 *         }
                 *       }
                 *     }
                 */
                "application/json": {
                    name?: string;
                    /** @description New prices, only while nothing is sold (else 409 PRICES_LOCKED) */
                    prices?: {
                        /** @description Category id → new price */
                        categories?: {
                            [key: string]: number;
                        };
                        /** @description Section id → new price */
                        sections?: {
                            [key: string]: number;
                        };
                    };
                    /**
                     * Format: date-time
                     * @description null: on sale until closed by hand
                     */
                    salesCloseAt?: string | null;
                    /**
                     * Format: date-time
                     * @description null: on sale without an opening time
                     */
                    salesOpenAt?: string | null;
                    /**
                     * Format: date-time
                     * @description null: no start time
                     */
                    startsAt?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description Error codes: INVALID_REQUEST, INVALID_JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST" | "INVALID_JSON";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: PRICES_LOCKED, EVENT_ARCHIVED */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "PRICES_LOCKED" | "EVENT_ARCHIVED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNSUPPORTED_MEDIA_TYPE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 415;
                    };
                };
            };
            /** @description Error codes: UNKNOWN_SECTION */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNKNOWN_SECTION";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 422;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    archiveEvent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_ENDED, EVENT_BUSY */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_ENDED" | "EVENT_BUSY";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    listBlocks: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Blocks holding seats, oldest first */
                        items: components["schemas"]["Block"][];
                    };
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    createBlock: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "seats": [
                 *         {
                 *           "section": "block-101",
                 *           "seat": "A-1"
                 *         },
                 *         {
                 *           "section": "block-101",
                 *           "seat": "A-2"
                 *         }
                 *       ],
                 *       "reason": "Wheelchair spaces and companions until two weeks before the show",
                 *       "allocation": "accessible",
                 *       "releaseAt": "2026-11-17T09:00:00Z"
                 *     }
                 */
                "application/json": {
                    /** @description Makes the block a named allocation (e.g. "accessible", "press") */
                    allocation?: string;
                    /** @description Why they are held back */
                    reason: string;
                    /**
                     * Format: date-time
                     * @description An allocation's seats go back on sale by themselves within a second of this time (in the future; only with `allocation`)
                     */
                    releaseAt?: string;
                    /** @description Seats of seated sections (general admission cannot be blocked), each once */
                    seats: {
                        /** @description Letters, digits, "_", "." and "-" */
                        seat: string;
                        /** @description Letters, digits, "_", "." and "-" */
                        section: string;
                    }[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Block"];
                };
            };
            /** @description Error codes: INVALID_REQUEST, INVALID_JSON, DUPLICATE_SEATS, SECTION_NOT_SEATED, INVALID_RELEASE_AT */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST" | "INVALID_JSON" | "DUPLICATE_SEATS" | "SECTION_NOT_SEATED" | "INVALID_RELEASE_AT";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: SEATS_NOT_BLOCKABLE */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "SEATS_NOT_BLOCKABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "PAYLOAD_TOO_LARGE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 413;
                    };
                };
            };
            /** @description Error codes: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNSUPPORTED_MEDIA_TYPE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 415;
                    };
                };
            };
            /** @description Error codes: UNKNOWN_SECTION, UNKNOWN_SEAT */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNKNOWN_SECTION" | "UNKNOWN_SEAT";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 422;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: LEDGER_UNAVAILABLE, REDIS_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "LEDGER_UNAVAILABLE" | "REDIS_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    getBlock: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                blockId: string;
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Block"];
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND, BLOCK_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND" | "BLOCK_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    deleteBlock: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                blockId: string;
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND, BLOCK_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND" | "BLOCK_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: LEDGER_UNAVAILABLE, REDIS_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "LEDGER_UNAVAILABLE" | "REDIS_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    releaseHolderHolds: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
                /**
                 * @description 1-128 printable characters
                 * @example user-123
                 */
                holder: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        released: number;
                    };
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    createHold: {
        parameters: {
            query?: never;
            header?: {
                "idempotency-key"?: string;
            };
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "holder": "user-123",
                 *       "ttlSeconds": 600,
                 *       "items": [
                 *         {
                 *           "section": "stalls",
                 *           "seats": [
                 *             "A1",
                 *             "A2"
                 *           ]
                 *         },
                 *         {
                 *           "section": "standing",
                 *           "quantity": 2
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": {
                    /**
                     * @description 1-128 printable characters
                     * @example user-123
                     */
                    holder: string;
                    items: ({
                        seats: string[];
                        /** @description Letters, digits, "_", "." and "-" */
                        section: string;
                    } | {
                        quantity: number;
                        /** @description Letters, digits, "_", "." and "-" */
                        section: string;
                    } | {
                        quantity: number;
                        /** @description Letters, digits, "_", "." and "-" */
                        section: string;
                        /** @description When no block of that many exists, accept two blocks (a row or two) */
                        split?: boolean;
                        /**
                         * @description The best block of `quantity` adjacent seats in one row
                         * @enum {boolean}
                         */
                        together: true;
                        /** @description Accessible: this many wheelchair spaces, the other seats of the block their companion seats */
                        wheelchairs?: number;
                    })[];
                    /**
                     * @description 1 to HOLD_TTL_MAX_S; HOLD_TTL_DEFAULT_S when absent
                     * @example 600
                     */
                    ttlSeconds?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Hold"];
                };
            };
            /** @description Error codes: INVALID_REQUEST, INVALID_JSON, DUPLICATE_SEATS, TOO_MANY_SEATS, INVALID_TTL */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST" | "INVALID_JSON" | "DUPLICATE_SEATS" | "TOO_MANY_SEATS" | "INVALID_TTL";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: SEAT_UNAVAILABLE, INSUFFICIENT_CAPACITY, HOLDER_LIMIT_EXCEEDED, SALES_NOT_OPEN, SALES_CLOSED, EVENT_ARCHIVED */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "SEAT_UNAVAILABLE" | "INSUFFICIENT_CAPACITY" | "HOLDER_LIMIT_EXCEEDED" | "SALES_NOT_OPEN" | "SALES_CLOSED" | "EVENT_ARCHIVED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: PAYLOAD_TOO_LARGE */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "PAYLOAD_TOO_LARGE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 413;
                    };
                };
            };
            /** @description Error codes: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNSUPPORTED_MEDIA_TYPE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 415;
                    };
                };
            };
            /** @description Error codes: UNKNOWN_SECTION, UNKNOWN_SEAT, WRONG_ITEM_KIND, IDEMPOTENCY_KEY_REUSED */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNKNOWN_SECTION" | "UNKNOWN_SEAT" | "WRONG_ITEM_KIND" | "IDEMPOTENCY_KEY_REUSED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 422;
                    };
                };
            };
            /** @description Error codes: RATE_LIMITED */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "RATE_LIMITED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 429;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: EVENT_LOADING, REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_LOADING" | "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    getHold: {
        parameters: {
            query?: never;
            header?: {
                "hold-token"?: string;
            };
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
                holdId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Hold"];
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_REQUIRED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_REQUIRED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_INVALID */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_INVALID";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 403;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND, HOLD_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND" | "HOLD_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: HOLD_EXPIRED, HOLD_RELEASED */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_EXPIRED" | "HOLD_RELEASED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 410;
                    };
                };
            };
            /** @description Error codes: RATE_LIMITED */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "RATE_LIMITED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 429;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    releaseHold: {
        parameters: {
            query?: never;
            header?: {
                "hold-token"?: string;
            };
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
                holdId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_REQUIRED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_REQUIRED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_INVALID */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_INVALID";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 403;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND, HOLD_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND" | "HOLD_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: HOLD_CONFIRMED, HOLD_CONFIRMING */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_CONFIRMED" | "HOLD_CONFIRMING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: HOLD_EXPIRED, HOLD_RELEASED */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_EXPIRED" | "HOLD_RELEASED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 410;
                    };
                };
            };
            /** @description Error codes: RATE_LIMITED */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "RATE_LIMITED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 429;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    confirmHold: {
        parameters: {
            query?: never;
            header?: {
                "hold-token"?: string;
            };
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
                holdId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @example pay_123 */
                    paymentRef?: string;
                } | null;
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Reservation"];
                };
            };
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Reservation"];
                };
            };
            /** @description Error codes: INVALID_REQUEST, INVALID_JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST" | "INVALID_JSON";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_REQUIRED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_REQUIRED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_INVALID */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_INVALID";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 403;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND, HOLD_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND" | "HOLD_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: SEAT_UNAVAILABLE, INSUFFICIENT_CAPACITY */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "SEAT_UNAVAILABLE" | "INSUFFICIENT_CAPACITY";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: HOLD_EXPIRED, HOLD_RELEASED */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_EXPIRED" | "HOLD_RELEASED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 410;
                    };
                };
            };
            /** @description Error codes: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNSUPPORTED_MEDIA_TYPE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 415;
                    };
                };
            };
            /** @description Error codes: RATE_LIMITED */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "RATE_LIMITED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 429;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    extendHold: {
        parameters: {
            query?: never;
            header?: {
                "hold-token"?: string;
            };
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
                holdId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @example 300 */
                    ttlSeconds: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Hold"];
                };
            };
            /** @description Error codes: INVALID_REQUEST, INVALID_JSON, INVALID_TTL */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST" | "INVALID_JSON" | "INVALID_TTL";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_REQUIRED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_REQUIRED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_INVALID */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_INVALID";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 403;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND, HOLD_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND" | "HOLD_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: HOLD_CONFIRMED, HOLD_CONFIRMING */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_CONFIRMED" | "HOLD_CONFIRMING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: HOLD_EXPIRED, HOLD_RELEASED */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_EXPIRED" | "HOLD_RELEASED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 410;
                    };
                };
            };
            /** @description Error codes: UNSUPPORTED_MEDIA_TYPE */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNSUPPORTED_MEDIA_TYPE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 415;
                    };
                };
            };
            /** @description Error codes: RATE_LIMITED */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "RATE_LIMITED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 429;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    listReservations: {
        parameters: {
            query?: {
                cursor?: string;
                /** @description 1-100, default 20 */
                limit?: string;
            };
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Reservation"][];
                        nextCursor: string | null;
                    };
                };
            };
            /** @description Error codes: INVALID_REQUEST, INVALID_CURSOR */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST" | "INVALID_CURSOR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    getReservation: {
        parameters: {
            query?: never;
            header?: {
                "hold-token"?: string;
            };
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
                reservationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Reservation"];
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_REQUIRED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_REQUIRED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_INVALID */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_INVALID";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 403;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND, RESERVATION_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND" | "RESERVATION_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: LEDGER_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "LEDGER_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    cancelReservation: {
        parameters: {
            query?: never;
            header?: {
                "hold-token"?: string;
            };
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
                reservationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_REQUIRED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_REQUIRED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: HOLD_TOKEN_INVALID */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "HOLD_TOKEN_INVALID";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 403;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND, RESERVATION_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND" | "RESERVATION_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: LEDGER_UNAVAILABLE, REDIS_UNAVAILABLE */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "LEDGER_UNAVAILABLE" | "REDIS_UNAVAILABLE";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    closeSales: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: EVENT_ARCHIVED */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_ARCHIVED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    openSales: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: UNAUTHORIZED */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNAUTHORIZED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 401;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: EVENT_ARCHIVED */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_ARCHIVED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    getSeatMap: {
        parameters: {
            query?: {
                /** @description Letters, digits, "_", "." and "-" */
                section?: string;
            };
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SeatMap"];
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: UNKNOWN_SECTION */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNKNOWN_SECTION";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 422;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    listSeats: {
        parameters: {
            query?: {
                /** @description Letters, digits, "_", "." and "-" */
                section?: string;
            };
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        sections: {
                            id: string;
                            seats: {
                                seat: string;
                                /** @description blocked: held back by an admin's block, not available to anyone until it ends */
                                status: "available" | "held" | "sold" | "blocked";
                            }[];
                        }[];
                    };
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: UNKNOWN_SECTION */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "UNKNOWN_SECTION";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 422;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
    streamEvent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Letters, digits, "_", "." and "-"
                 * @example demo
                 */
                eventId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An endless stream of `snapshot` and change events */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Error codes: INVALID_REQUEST */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INVALID_REQUEST";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 400;
                    };
                };
            };
            /** @description Error codes: EVENT_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_NOT_FOUND";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 404;
                    };
                };
            };
            /** @description Error codes: EVENT_ARCHIVED */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "EVENT_ARCHIVED";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 409;
                    };
                };
            };
            /** @description Error codes: INTERNAL_ERROR */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "INTERNAL_ERROR";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 500;
                    };
                };
            };
            /** @description Error codes: TOO_MANY_STREAMS, REDIS_UNAVAILABLE, LEDGER_UNAVAILABLE, EVENT_LOADING */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        code: "TOO_MANY_STREAMS" | "REDIS_UNAVAILABLE" | "LEDGER_UNAVAILABLE" | "EVENT_LOADING";
                        details?: {
                            [key: string]: unknown;
                        };
                        error: string;
                        message: string;
                        /** @enum {integer} */
                        statusCode: 503;
                    };
                };
            };
        };
    };
}
