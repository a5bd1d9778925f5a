#pragma once
/// Deribit JSON-RPC `book.<instrument>.<interval>` notifications (the "book.{instrument_name}.
/// {interval}" channel in the API v2 docs; `raw` or `100ms`, not the grouped variant).
///
/// `{"method":"subscription","params":{"channel":"book.X.raw","data":{"type":"snapshot"|"change",
/// "change_id","prev_change_id","instrument_name","bids":[["new"|"change"|"delete",price,
/// amount]],"asks":[...]}}}` with prices and amounts as JSON numbers. The procedure: a snapshot
/// sets the book; every change's `prev_change_id` must equal the `change_id` before it,
/// otherwise changes were lost and the book is stale until the next snapshot (live: resubscribe
/// to the channel, which sends one). A change whose `change_id` is not above the last applied
/// one is a duplicate or arrives out of order: dropped and reported. `ticker.*` and `trades.*`
/// are not book messages (the risk layer reads the ticker separately).

#include "feed/venue_feed.hpp"

namespace ballast::feed {

class deribit_feed final : public venue_feed {
  public:
    deribit_feed(const instrument_registry& instruments, reject_log& rejects,
                 feed_options options = {});

    void on_frame(const feed_frame& f) noexcept override;
    /// A new connection: subscriptions restart with a snapshot.

  private:
    struct deribit_message;
    /// The frame's one walk: the notification's fields into `m`, its levels staged.
    simdjson::error_code read_root(simdjson::ondemand::object& root, deribit_message& m) noexcept;
    simdjson::error_code read_data(simdjson::ondemand::value data, deribit_message& m) noexcept;
    void on_book(const feed_frame& f, const deribit_message& m) noexcept;
    /// False (after a reject) when side `which` (0 bids, 1 asks) was not `[[action, price,
    /// amount], ...]`.
    bool levels_ok(const feed_frame& f, venue_book& b, const deribit_message& m,
                   int which) noexcept;
};

} // namespace ballast::feed
