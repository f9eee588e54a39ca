#pragma once

// Self-signed certificates for tests of HTTPS clients (header-only; link
// OpenSSL::Crypto).

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <utility>

namespace ferry::testing {

struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;  // Unencrypted PKCS#8.
};

// A P-256 key and a self-signed CA:TRUE certificate for `common_name`, valid
// for an hour, naming the hosts of `subject_alt_name` (OpenSSL's syntax), so
// it can be a server's certificate and its own trust anchor.
inline TestCertificate MakeSelfSignedCertificate(
    const std::string& common_name,
    const std::string& subject_alt_name = "DNS:localhost,IP:127.0.0.1") {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  const std::pair<int, std::string> extensions[] = {{NID_basic_constraints, "critical,CA:TRUE"},
                                                    {NID_subject_alt_name, subject_alt_name}};
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key.get(), EVP_sha256());
  auto drain = [](BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
  };
  TestCertificate out;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  out.cert_pem = drain(bio);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = drain(bio);
  return out;
}

}  // namespace ferry::testing
