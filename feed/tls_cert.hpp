#pragma once
/// A self-signed certificate and key (PEM) generated with OpenSSL at start, for loopback TLS
/// servers (`ballast sim-venue --tls`, tests): the certificate is its own authority, so a
/// client trusts it by loading it as its CA file.

#include <string>
#include <vector>

namespace ballast::feed {

struct self_signed_certificate {
    std::string cert_pem;
    std::string key_pem;
};

/// A P-256 certificate valid from an hour ago for a day, with CA:TRUE and a subjectAltName for
/// each of `dns_names` and `ip_addresses`; the common name is the first DNS name. Empty PEMs
/// when OpenSSL fails.
[[nodiscard]] self_signed_certificate
make_self_signed_certificate(const std::vector<std::string>& dns_names,
                             const std::vector<std::string>& ip_addresses = {});

} // namespace ballast::feed
