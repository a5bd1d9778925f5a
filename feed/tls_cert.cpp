#include "feed/tls_cert.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace ballast::feed {

namespace {
template <class Write> std::string to_pem(Write write) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == nullptr) {
        return {};
    }
    std::string text;
    if (write(bio) == 1) {
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        text.assign(data, static_cast<std::size_t>(n));
    }
    BIO_free(bio);
    return text;
}
} // namespace

self_signed_certificate make_self_signed_certificate(const std::vector<std::string>& dns_names,
                                                     const std::vector<std::string>& ip_addresses) {
    self_signed_certificate out;
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    if (key == nullptr || x == nullptr) {
        EVP_PKEY_free(key);
        X509_free(x);
        return out;
    }
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    const std::string cn = dns_names.empty() ? std::string("localhost") : dns_names.front();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(x, name);
    std::string alt;
    for (const auto& d : dns_names) {
        alt += (alt.empty() ? "DNS:" : ",DNS:") + d;
    }
    for (const auto& ip : ip_addresses) {
        alt += (alt.empty() ? "IP:" : ",IP:") + ip;
    }
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    bool ok = true;
    for (const auto& [nid, value] :
         {std::pair{NID_subject_alt_name, alt},
          std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")}}) {
        if (value.empty()) {
            continue;
        }
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        ok = ok && ext != nullptr && X509_add_ext(x, ext, -1) == 1;
        X509_EXTENSION_free(ext);
    }
    if (ok && X509_sign(x, key, EVP_sha256()) > 0) {
        out.cert_pem = to_pem([&](BIO* b) { return PEM_write_bio_X509(b, x); });
        out.key_pem = to_pem([&](BIO* b) {
            return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
        });
    }
    X509_free(x);
    EVP_PKEY_free(key);
    return out;
}

} // namespace ballast::feed
