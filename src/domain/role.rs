//! Staff roles. The words are a contract (CLI `--role`, JSON, the `users.role` CHECK).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Officer,
    Supervisor,
    IceLiaison,
    Admin,
    /// The host of a shared installation: agencies and their first admins, health and usage,
    /// never case data (issue 28).
    Operator,
    /// A state or agency oversight body: aggregates of the agencies it is granted, never a
    /// person (issue 28).
    Oversight,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Officer,
        Role::Supervisor,
        Role::IceLiaison,
        Role::Admin,
        Role::Operator,
        Role::Oversight,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
            Role::IceLiaison => "ice_liaison",
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Oversight => "oversight",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Officer => "Officer",
            Role::Supervisor => "Supervisor",
            Role::IceLiaison => "ICE liaison",
            Role::Admin => "Administrator",
            Role::Operator => "Operator",
            Role::Oversight => "Oversight",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            format!("unknown role `{s}`: use officer, supervisor, ice_liaison, admin, operator or oversight")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_words_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("Officer".parse::<Role>().is_err());
        assert!("ice-liaison".parse::<Role>().is_err());
    }
}
