#pragma once
/// 128-bit integers for exact notionals (price ticks x lots) and decimal scaling.

namespace ballast {
__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;
} // namespace ballast
