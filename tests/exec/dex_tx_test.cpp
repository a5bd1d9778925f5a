// Ethereum transaction encoding against ethers v5 (tests/data/dex/eip1559_vectors.json, made by
// tests/node/gen_eip1559_vectors.js): Keccak-256 around the sponge's rate, addresses from
// private keys, EIP-1559 RLP (unsigned and signed) and hashes over every RLP length form,
// SwapRouter and ERC-20 calldata, revert reasons; and the key loader's refusals.
#include "exec/eth_tx.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace ballast;
using namespace ballast::exec;

std::string str(simdjson::dom::element e) {
    std::string_view s;
    return e.get_string().get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

std::vector<std::uint8_t> bytes_of(const std::string& hex) {
    std::vector<std::uint8_t> out((hex.size() - 2) / 2);
    EXPECT_TRUE(feed::parse_hex_bytes(hex, out)) << hex;
    return out;
}

u256 big(simdjson::dom::element e) {
    return parse_u256(str(e)).value_or(u256(0));
}

class DexTxVectors : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(parser_.load(std::string(BALLAST_TEST_DATA_DIR) + "/dex/eip1559_vectors.json")
                      .get(doc_),
                  simdjson::SUCCESS);
    }
    simdjson::dom::parser parser_;
    simdjson::dom::element doc_;
};

TEST_F(DexTxVectors, Keccak256EqualsEthersAroundTheRate) {
    std::size_t n = 0;
    for (auto v : doc_["keccak"].get_array()) {
        const auto input = bytes_of(str(v["input"]));
        EXPECT_EQ(feed::to_hex(keccak256(input)), str(v["hash"])) << input.size() << " bytes";
        ++n;
    }
    EXPECT_EQ(n, 13U);
    // The padding is Keccak's (0x01), not SHA3-256's (0x06): SHA3-256("") starts a7ffc6f8.
    EXPECT_EQ(feed::to_hex(keccak256(std::string_view{})).substr(0, 10), "0xc5d24601");
}

TEST_F(DexTxVectors, SignedTransactionsEqualEthersByteForByte) {
    std::size_t n = 0;
    for (auto v : doc_["txs"].get_array()) {
        eth_signer signer;
        ASSERT_FALSE(signer.load_hex(str(v["key"])).has_value());
        EXPECT_EQ(to_hex_address(signer.address()), str(v["address"]));
        eip1559_tx tx;
        std::uint64_t u = 0;
        ASSERT_EQ(v["chain_id"].get_uint64().get(u), simdjson::SUCCESS);
        tx.chain_id = u;
        ASSERT_EQ(v["nonce"].get_uint64().get(u), simdjson::SUCCESS);
        tx.nonce = u;
        tx.max_priority_fee_per_gas =
            static_cast<std::uint64_t>(big(v["max_priority_fee_per_gas"]));
        tx.max_fee_per_gas = static_cast<std::uint64_t>(big(v["max_fee_per_gas"]));
        tx.gas_limit = static_cast<std::uint64_t>(big(v["gas_limit"]));
        ASSERT_TRUE(feed::parse_hex_bytes(str(v["to"]), tx.to));
        tx.value = big(v["value"]);
        const auto data = bytes_of(str(v["data"]));
        std::copy(data.begin(), data.end(), tx.data.begin());
        tx.data_size = static_cast<std::uint16_t>(data.size());

        const std::string what = "vector " + std::to_string(n);
        eth_tx_bytes unsigned_bytes;
        ASSERT_TRUE(encode_unsigned(tx, unsigned_bytes)) << what;
        EXPECT_EQ(feed::to_hex(unsigned_bytes.view()), str(v["unsigned"])) << what;
        signed_tx s;
        ASSERT_TRUE(signer.sign(tx, s)) << what;
        EXPECT_EQ(feed::to_hex(s.raw.view()), str(v["raw"])) << what;
        EXPECT_EQ(feed::to_hex(s.hash), str(v["hash"])) << what;
        ++n;
    }
    EXPECT_EQ(n, 32U);
}

TEST_F(DexTxVectors, SwapRouterAndErc20CalldataEqualEthersAbiCoder) {
    const auto abi = doc_["abi"];
    const auto p = abi["params"];
    swap_single_params sp;
    ASSERT_TRUE(feed::parse_hex_bytes(str(p["tokenIn"]), sp.token_in));
    ASSERT_TRUE(feed::parse_hex_bytes(str(p["tokenOut"]), sp.token_out));
    ASSERT_TRUE(feed::parse_hex_bytes(str(p["recipient"]), sp.recipient));
    sp.fee = 3000;
    sp.deadline = 1700000123;
    sp.amount = big(p["amount"]);
    sp.amount_limit = big(p["limit"]);
    eip1559_tx tx;
    encode_exact_input_single(sp, tx);
    EXPECT_EQ(feed::to_hex(tx.data_bytes()), str(abi["exact_input_single"]));
    encode_exact_output_single(sp, tx);
    EXPECT_EQ(feed::to_hex(tx.data_bytes()), str(abi["exact_output_single"]));
    encode_approve(sp.token_out, u256_max, tx);
    EXPECT_EQ(feed::to_hex(tx.data_bytes()), str(abi["approve"]));
    EXPECT_EQ(allowance_call_data(sp.recipient, sp.token_out), str(abi["allowance"]));
    EXPECT_EQ(decode_revert_reason(bytes_of(str(abi["revert_error"]))), "Too little received");
}

TEST(DexTx, RevertReasonsThatAreNotErrorStringsDecodeToNothingOrAPanicCode) {
    EXPECT_EQ(decode_revert_reason({}), "");
    std::vector<std::uint8_t> panic(4 + 32, 0);
    const auto sel = abi_selector("Panic(uint256)");
    std::copy(sel.begin(), sel.end(), panic.begin());
    panic.back() = 0x11;
    EXPECT_EQ(decode_revert_reason(panic), "panic 0x11");
    // Error(string) whose offset or length points past the data: nothing, no crash.
    std::vector<std::uint8_t> bad(4 + 64, 0);
    const auto err = abi_selector("Error(string)");
    std::copy(err.begin(), err.end(), bad.begin());
    bad[4 + 31] = 0x20;
    bad[4 + 63] = 0xff;
    EXPECT_EQ(decode_revert_reason(bad), "");
    bad[4 + 31] = 0xf0;
    EXPECT_EQ(decode_revert_reason(bad), "");
}

TEST(DexTx, BadKeysAreRefusedWithoutEchoingThem) {
    eth_signer s;
    auto e = s.load_hex("0x1234");
    ASSERT_TRUE(e.has_value());
    EXPECT_NE(e->find("4 hex digits"), std::string::npos) << *e;
    e = s.load_hex(std::string(64, '0'));
    ASSERT_TRUE(e.has_value()); // zero is not a key
    e = s.load_hex("zz" + std::string(62, '1'));
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->find("zz"), std::string::npos) << *e;
    EXPECT_FALSE(s.loaded());
    signed_tx out;
    EXPECT_FALSE(s.sign(eip1559_tx{}, out));
}

TEST(DexTx, KeyFileMustBePrivateAndTheEnvironmentWins) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("ballast_dex_key_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string file = dir / "key";
    const std::string key = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    std::ofstream(file) << key << "\n";
    ::chmod(file.c_str(), 0644);
    ::unsetenv("BALLAST_TEST_DEX_KEY");
    eth_signer s;
    auto e = load_eth_key(s, "BALLAST_TEST_DEX_KEY", file);
    ASSERT_TRUE(e.has_value()) << "a 0644 key file must be refused";
    EXPECT_EQ(e->find(key.substr(2)), std::string::npos) << *e;
    ::chmod(file.c_str(), 0600);
    e = load_eth_key(s, "BALLAST_TEST_DEX_KEY", file);
    ASSERT_FALSE(e.has_value()) << *e;
    EXPECT_EQ(to_hex_address(s.address()), "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23");
    ::setenv("BALLAST_TEST_DEX_KEY", std::string(64, '1').c_str(), 1);
    e = load_eth_key(s, "BALLAST_TEST_DEX_KEY", file);
    ASSERT_FALSE(e.has_value()) << *e;
    EXPECT_EQ(to_hex_address(s.address()), "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a");
    ::unsetenv("BALLAST_TEST_DEX_KEY");
    e = load_eth_key(s, "BALLAST_TEST_DEX_KEY", "");
    ASSERT_TRUE(e.has_value());
    std::filesystem::remove_all(dir);
}

} // namespace
