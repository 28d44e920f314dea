//! Where and how to connect: the driver's settings plus the TLS connector that
//! goes with the connection string's `sslmode` (see [`crate::tls`]).

use postgres::{Client, Config};
use taskito_core::Result;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::{errors, tls};

#[derive(Clone)]
pub(crate) struct Endpoint {
    pub(crate) config: Config,
    tls: MakeRustlsConnect,
}

impl Endpoint {
    /// Reads a `postgresql://` URL or `key=value` connection string.
    pub(crate) fn parse(conninfo: &str) -> Result<Self> {
        let (rest, settings) = tls::split(conninfo)?;
        let mut config: Config = rest.parse().map_err(|e| errors::bad_url(&e))?;
        config.ssl_mode(settings.mode.driver_mode());
        Ok(Self {
            config,
            tls: tls::connector(&settings)?,
        })
    }

    /// A new connection (the TLS connector is used only when the mode asks).
    pub(crate) fn connect(&self) -> Result<Client, postgres::Error> {
        self.config.connect(self.tls.clone())
    }
}
