// Request signing against the venues' documented examples and independent references:
// Binance's REST and WebSocket API examples (key, secret, payload, signature as published),
// RFC 8032 for Ed25519, RFC 4231 for HMAC-SHA256, RFC 4648 for base64, and ccxt 4.5.84's own
// sign() for OKX and Bybit (their docs publish no secret with a resulting signature).
#include "exec/signing.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace ballast::exec {
namespace {

std::vector<std::uint8_t> unhex(std::string_view h) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
        out.push_back(
            static_cast<std::uint8_t>(std::stoul(std::string(h.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

/// An Ed25519 private key PEM (PKCS#8) from a raw 32-byte seed.
std::string ed25519_pem_from_seed(std::string_view seed_hex) {
    auto der = unhex("302e020100300506032b657004220420");
    const auto seed = unhex(seed_hex);
    der.insert(der.end(), seed.begin(), seed.end());
    return "-----BEGIN PRIVATE KEY-----\n" + base64_encode(der) + "\n-----END PRIVATE KEY-----\n";
}

constexpr std::string_view binance_doc_secret =
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

TEST(Signing, HmacSha256MatchesRfc4231) {
    const std::string key(20, '\x0b');
    EXPECT_EQ(hex_encode(hmac_sha256(key, "Hi There")),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Signing, BinanceRestDocumentedExamples) {
    EXPECT_EQ(binance_hmac_signature(binance_doc_secret,
                                     "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&"
                                     "price=0.1&recvWindow=5000&timestamp=1499827319559"),
              "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    // The documented non-ASCII example: the percent-encoded payload is what is signed.
    EXPECT_EQ(binance_hmac_signature(
                  binance_doc_secret,
                  "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type="
                  "LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp="
                  "1499827319559"),
              "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
}

TEST(Signing, BinanceWebSocketApiDocumentedExample) {
    // order.place: the params other than signature, sorted by name, as key=value&...
    EXPECT_EQ(binance_hmac_signature(
                  binance_doc_secret,
                  "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&"
                  "newOrderRespType=ACK&price=52000.00&quantity=0.01000000&recvWindow=100&side="
                  "SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT"),
              "cc15477742bd704c29492d96c7ead9414dfd8e0ec4a00f947bb5bb454ddbd08a");
}

TEST(Signing, Ed25519MatchesRfc8032) {
    ed25519_key k;
    ASSERT_FALSE(k.load_private_pem(
        ed25519_pem_from_seed("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")));
    ed25519_signature sig{};
    ASSERT_TRUE(k.sign("", sig));
    EXPECT_EQ(hex_encode(sig), "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                               "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    ed25519_key k2;
    ASSERT_FALSE(k2.load_private_pem(
        ed25519_pem_from_seed("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")));
    ASSERT_TRUE(k2.sign("\x72", sig));
    EXPECT_EQ(hex_encode(sig), "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                               "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    // Binance's Ed25519 signature is the base64 of the same bytes, verified with the public key.
    const std::string payload = "symbol=X&side=SELL&timestamp=1668481559918&recvWindow=5000";
    const std::string b64 = binance_ed25519_signature(k2, payload);
    const auto raw = base64_decode(b64);
    ASSERT_TRUE(raw);
    ASSERT_EQ(raw->size(), 64u);
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(raw->data()),
                                              raw->size());
    EXPECT_TRUE(ed25519_verify(k2.public_pem(), payload, bytes));
    EXPECT_FALSE(ed25519_verify(k2.public_pem(), payload + "0", bytes));
    EXPECT_FALSE(ed25519_verify(k.public_pem(), payload, bytes));
    EXPECT_FALSE(ed25519_verify("not a key", payload, bytes));
}

TEST(Signing, NewEd25519KeysSignAndVerify) {
    const std::string a = new_ed25519_private_pem();
    const std::string b = new_ed25519_private_pem();
    ASSERT_FALSE(a.empty());
    EXPECT_NE(a, b); // from the random source, never the same key
    ed25519_key k;
    ASSERT_FALSE(k.load_private_pem(a));
    ed25519_signature sig{};
    ASSERT_TRUE(k.sign("payload", sig));
    EXPECT_TRUE(ed25519_verify(k.public_pem(), "payload", sig));
}

TEST(Signing, Ed25519RefusesOtherKeys) {
    ed25519_key k;
    EXPECT_TRUE(k.load_private_pem("garbage"));
    EXPECT_FALSE(k.loaded());
    ed25519_signature sig{};
    EXPECT_FALSE(k.sign("x", sig));
    EXPECT_TRUE(binance_ed25519_signature(k, "x").empty());
}

TEST(Signing, OkxMatchesCcxt) {
    // ccxt 4.5.84 okx.sign('trade/order', 'private', 'POST', ...) at this timestamp.
    EXPECT_EQ(
        okx_signature("okx-secret-0123456789", "2020-12-08T09:08:57.715Z", "POST",
                      "/api/v5/trade/order",
                      R"({"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit",)"
                      R"("px":"20000","sz":"0.01","clOrdId":"bl1x1"})"),
        "FsW3U777tRBUQSKPphHcQikvCMeDstbYHdwIP33n7Xc=");
}

TEST(Signing, BybitMatchesCcxt) {
    // ccxt 4.5.84 bybit.sign(...) with this nonce: POST signs the JSON body, GET the query.
    EXPECT_EQ(bybit_rest_signature(
                  "bybit-secret-0123456789", "1658384314791", "k-bybit", "5000",
                  R"({"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit",)"
                  R"("qty":"0.01","price":"20000","orderLinkId":"bl1x1"})"),
              "47dd77e2a8a654816f9288bae632ef5c61385bd68ed8f80bbdcb7244611e416a");
    EXPECT_EQ(bybit_rest_signature("bybit-secret-0123456789", "1658384314791", "k-bybit", "5000",
                                   "category=spot&orderLinkId=bl1x1"),
              "fc178e46ead18ded88dd3d45b54f0859a1c55528fa62af173846573aa815e11c");
    // WebSocket auth signs "GET/realtime" + expires.
    EXPECT_EQ(bybit_ws_signature("s", "1662350400000"),
              hex_encode(hmac_sha256("s", "GET/realtime1662350400000")));
}

TEST(Signing, Base64MatchesRfc4648) {
    const std::pair<std::string_view, std::string_view> cases[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, enc] : cases) {
        const std::span<const std::uint8_t> b(reinterpret_cast<const std::uint8_t*>(plain.data()),
                                              plain.size());
        EXPECT_EQ(base64_encode(b), enc);
        EXPECT_EQ(base64_decode(enc), std::string(plain));
    }
    // Longer than one 48-byte chunk.
    const std::string long_text(100, 'z');
    const std::span<const std::uint8_t> lb(reinterpret_cast<const std::uint8_t*>(long_text.data()),
                                           long_text.size());
    EXPECT_EQ(base64_decode(base64_encode(lb)), long_text);
    for (const std::string_view bad : {"Zg=", "Z===", "Zg=a", "Zm9v!A==", "=Zm9"}) {
        EXPECT_FALSE(base64_decode(bad)) << bad;
    }
}

TEST(Signing, ConstantTimeCompare) {
    EXPECT_TRUE(equal_signatures("abc", "abc"));
    EXPECT_FALSE(equal_signatures("abc", "abd"));
    EXPECT_FALSE(equal_signatures("abc", "ab"));
}

class Credentials : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("ballast_keys_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
        for (const char* v :
             {"BALLAST_TESTVENUE_API_KEY", "BALLAST_TESTVENUE_API_SECRET",
              "BALLAST_TESTVENUE_ED25519_KEY_FILE", "BALLAST_TESTVENUE_PASSPHRASE"}) {
            ::unsetenv(v);
        }
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string write(const std::string& name, const std::string& text, mode_t mode) {
        const auto p = (dir_ / name).string();
        std::ofstream(p) << text;
        ::chmod(p.c_str(), mode);
        return p;
    }
    std::filesystem::path dir_;
};

TEST_F(Credentials, FromEnvironment) {
    ::setenv("BALLAST_TESTVENUE_API_KEY", "key-1", 1);
    auto r = load_credentials("testvenue", "");
    EXPECT_FALSE(r.value);
    EXPECT_NE(r.error.find("BALLAST_TESTVENUE_API_SECRET"), std::string::npos) << r.error;
    ::setenv("BALLAST_TESTVENUE_API_SECRET", "topsecret-value", 1);
    ::setenv("BALLAST_TESTVENUE_PASSPHRASE", "pp", 1);
    r = load_credentials("testvenue", "");
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.value->api_key, "key-1");
    EXPECT_EQ(r.value->secret.value(), "topsecret-value");
    EXPECT_EQ(r.value->passphrase.value(), "pp");
    ::unsetenv("BALLAST_TESTVENUE_API_KEY");
    r = load_credentials("testvenue", "");
    EXPECT_NE(r.error.find("BALLAST_TESTVENUE_API_KEY: not set"), std::string::npos) << r.error;
    ::unsetenv("BALLAST_TESTVENUE_API_SECRET");
    ::unsetenv("BALLAST_TESTVENUE_PASSPHRASE");
}

TEST_F(Credentials, FileMustBePrivate) {
    const std::string text = "api_key = \"k\"\nsecret = \"topsecret-value\"\n";
    const auto loose = write("loose.toml", text, 0644);
    auto r = load_credentials("testvenue", loose);
    EXPECT_FALSE(r.value);
    EXPECT_NE(r.error.find("mode 0644"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find("topsecret"), std::string::npos);
    const auto group = write("group.toml", text, 0640);
    EXPECT_FALSE(load_credentials("testvenue", group).value);
    const auto ok = write("ok.toml", text, 0600);
    r = load_credentials("testvenue", ok);
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.value->secret.value(), "topsecret-value");
    const auto ro = write("ro.toml", text, 0400);
    EXPECT_TRUE(load_credentials("testvenue", ro).value);
    EXPECT_TRUE(check_private_file(dir_.string())); // a directory is refused
    EXPECT_TRUE(check_private_file((dir_ / "absent").string()));
}

TEST_F(Credentials, FileErrorsNameTheFieldNeverTheSecret) {
    const auto unknown = write("u.toml", "api_key = \"k\"\nsecrte = \"topsecret-value\"\n", 0600);
    auto r = load_credentials("testvenue", unknown);
    EXPECT_NE(r.error.find("secrte: unknown key"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find("topsecret"), std::string::npos);
    const auto bad = write("b.toml", "api_key = \"k\"\nsecret = \"topsecret-value\n", 0600);
    r = load_credentials("testvenue", bad);
    EXPECT_FALSE(r.value);
    EXPECT_EQ(r.error.find("topsecret"), std::string::npos) << r.error;
    const auto nokey = write("n.toml", "secret = \"topsecret-value\"\n", 0600);
    EXPECT_NE(load_credentials("testvenue", nokey).error.find("api_key: missing"),
              std::string::npos);
    const auto num = write("num.toml", "api_key = 5\nsecret = \"s\"\n", 0600);
    EXPECT_NE(load_credentials("testvenue", num).error.find("api_key: must be a string"),
              std::string::npos);
}

TEST_F(Credentials, Ed25519KeyFile) {
    const std::string pem =
        ed25519_pem_from_seed("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const auto loose_key = write("loose.pem", pem, 0644);
    const auto cfg =
        write("k.toml", "api_key = \"k\"\ned25519_key_file = \"" + loose_key + "\"\n", 0600);
    auto r = load_credentials("testvenue", cfg);
    EXPECT_FALSE(r.value);
    EXPECT_NE(r.error.find("mode 0644"), std::string::npos) << r.error;
    ::chmod(loose_key.c_str(), 0600);
    r = load_credentials("testvenue", cfg);
    ASSERT_TRUE(r.value) << r.error;
    ed25519_key k;
    EXPECT_FALSE(k.load_private_pem(r.value->ed25519_pem.value()));
    const auto not_key = write("nk.pem", "hello", 0600);
    ::setenv("BALLAST_TESTVENUE_API_KEY", "key-1", 1);
    ::setenv("BALLAST_TESTVENUE_ED25519_KEY_FILE", not_key.c_str(), 1);
    r = load_credentials("testvenue", "");
    EXPECT_NE(r.error.find("not a PEM private key"), std::string::npos) << r.error;
    ::unsetenv("BALLAST_TESTVENUE_API_KEY");
    ::unsetenv("BALLAST_TESTVENUE_ED25519_KEY_FILE");
}

} // namespace
} // namespace ballast::exec
