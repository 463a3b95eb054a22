use super::*;
use Role::*;

fn admin_of(agency: i64) -> Granter {
    Granter::Account {
        role: Admin,
        operator: false,
        agency: Some(agency),
    }
}

#[test]
fn staff_belong_to_one_agency_and_the_crossing_roles_to_none() {
    let belongs: Vec<Role> = Role::ALL.into_iter().filter(|r| belongs_to_agency(*r)).collect();
    assert_eq!(belongs, [Officer, Supervisor, Admin]);
    assert!(may_manage_account(Granter::Cli, Officer, None).is_err());
    assert!(may_manage_account(Granter::Cli, IceLiaison, Some(1)).is_err());
    let e = may_manage_account(Granter::Cli, Supervisor, None).unwrap_err();
    assert_eq!((e.code, e.field), ("agency", Some("agency")));
    assert!(
        e.message.contains("the role supervisor belongs to one agency"),
        "{}",
        e.message
    );
}

#[test]
fn the_operator_is_an_operator_account_or_the_flagged_admin() {
    assert!(may_operate(Operator, true).is_ok());
    assert!(may_operate(Admin, true).is_ok());
    assert!(may_operate(Admin, false).is_err());
    for role in [Officer, Supervisor, IceLiaison, Oversight] {
        assert!(may_operate(role, true).is_err(), "{role:?}");
    }
}

#[test]
fn an_admin_manages_its_own_agency_s_staff_and_liaisons_only() {
    for role in [Officer, Supervisor, Admin] {
        assert!(may_manage_account(admin_of(1), role, Some(1)).is_ok(), "{role:?}");
        let e = may_manage_account(admin_of(1), role, Some(2)).unwrap_err();
        assert_eq!(e.kind, crate::domain::case::RuleKind::Forbidden);
    }
    assert!(may_manage_account(admin_of(1), IceLiaison, None).is_ok());
    assert!(may_manage_account(admin_of(1), Operator, None).is_err());
    assert!(may_manage_account(admin_of(1), Oversight, None).is_err());
    let operator = Granter::Account {
        role: Operator,
        operator: true,
        agency: None,
    };
    for (role, agency) in [(Admin, Some(2)), (Oversight, None), (Operator, None)] {
        assert!(may_manage_account(operator, role, agency).is_ok(), "{role:?}");
        assert!(may_manage_account(Granter::Cli, role, agency).is_ok(), "{role:?}");
    }
    let supervisor = Granter::Account {
        role: Supervisor,
        operator: false,
        agency: Some(1),
    };
    assert!(may_manage_account(supervisor, Officer, Some(1)).is_err());
}

#[test]
fn an_admin_offers_its_staff_roles_and_the_operator_every_role() {
    assert_eq!(assignable_roles(admin_of(1)), [Officer, Supervisor, IceLiaison, Admin]);
    assert_eq!(assignable_roles(Granter::Cli), Role::ALL);
    let flagged = Granter::Account {
        role: Admin,
        operator: true,
        agency: Some(1),
    };
    assert_eq!(
        assignable_roles(flagged),
        [Officer, Supervisor, IceLiaison, Admin],
        "the flagged first admin manages accounts as its agency's admin"
    );
}

#[test]
fn an_admin_manages_its_staff_and_its_liaisons_and_nobody_else() {
    assert!(manages(admin_of(1), (Officer, false), Some(1), &[1]));
    assert!(!manages(admin_of(1), (Officer, false), Some(2), &[2]));
    assert!(!manages(admin_of(1), (Admin, false), Some(2), &[]));
    assert!(manages(admin_of(1), (Admin, false), Some(1), &[]));
    assert!(
        !manages(admin_of(1), (Admin, true), Some(1), &[]),
        "its agency's operator is not its to manage"
    );
    assert!(manages(admin_of(1), (IceLiaison, false), None, &[2, 1]));
    assert!(
        !manages(admin_of(1), (IceLiaison, false), None, &[]),
        "a liaison granted nothing yet"
    );
    assert!(!manages(admin_of(1), (IceLiaison, false), None, &[2]));
    assert!(!manages(admin_of(1), (Operator, true), None, &[]));
    assert!(!manages(admin_of(1), (Oversight, false), None, &[]));
    assert!(manages(Granter::Cli, (Admin, true), Some(2), &[]));
    let flagged = Granter::Account {
        role: Admin,
        operator: true,
        agency: Some(1),
    };
    assert!(
        !manages(flagged, (Officer, false), Some(2), &[2]),
        "the flag opens no other agency's people"
    );
    let supervisor = Granter::Account {
        role: Supervisor,
        operator: false,
        agency: Some(1),
    };
    assert!(!manages(supervisor, (Officer, false), Some(1), &[1]));
}

#[test]
fn alerts_about_no_facility_go_to_the_agency_s_admins_or_the_operator() {
    assert!(sees_alert_about_no_facility(Admin, false, Some(1), Some(1)));
    assert!(!sees_alert_about_no_facility(Admin, false, Some(1), Some(2)));
    assert!(!sees_alert_about_no_facility(Supervisor, false, Some(1), Some(1)));
    assert!(!sees_alert_about_no_facility(Admin, false, Some(1), None));
    assert!(sees_alert_about_no_facility(Admin, true, Some(1), None));
    assert!(sees_alert_about_no_facility(Operator, true, None, None));
    assert!(!sees_alert_about_no_facility(Operator, true, None, Some(1)));
}

#[test]
fn an_agency_adds_to_the_installation_s_authenticator_floor_and_never_lowers_it() {
    assert!(mfa_required(true, false), "the floor holds whatever the agency says");
    assert!(mfa_required(false, true));
    assert!(mfa_required(true, true));
    assert!(!mfa_required(false, false));
}

#[test]
fn a_facility_is_granted_by_its_own_agency_and_staff_stay_home() {
    // A liaison: any agency's facility, each by that agency's admin.
    assert!(may_grant_facility(admin_of(1), IceLiaison, None, 1).is_ok());
    let e = may_grant_facility(admin_of(1), IceLiaison, None, 2).unwrap_err();
    assert_eq!(e.code, "forbidden");
    assert!(may_grant_facility(Granter::Cli, IceLiaison, None, 2).is_ok());
    // Staff: only their own agency's, whoever asks.
    let e = may_grant_facility(Granter::Cli, Officer, Some(1), 2).unwrap_err();
    assert_eq!((e.code, e.field), ("other_agency", Some("facilities")));
    assert!(may_grant_facility(admin_of(1), Officer, Some(1), 1).is_ok());
    // The operator and oversight work at no facility.
    for role in [Operator, Oversight] {
        assert_eq!(
            may_grant_facility(Granter::Cli, role, None, 1).unwrap_err().code,
            "no_facilities"
        );
    }
}

#[test]
fn only_the_operator_reaches_the_installations_own_rows() {
    assert!(reaches_installation(Operator, true));
    assert!(
        reaches_installation(Admin, true),
        "a single-agency install's first admin"
    );
    assert!(!reaches_installation(Admin, false));
    assert!(
        !reaches_installation(Officer, true),
        "the flag means nothing for another role"
    );
    assert!(!reaches_installation(IceLiaison, true));
    assert!(!reaches_installation(Oversight, true));
}

#[test]
fn under_the_installation_s_floor_only_the_operator_names_the_provider_s_mfa_claim() {
    let admin = admin_of(1);
    assert!(
        may_set_mfa_claim(admin, 1, false).is_ok(),
        "no floor: the agency's admin"
    );
    assert!(
        may_set_mfa_claim(admin, 1, true).is_err(),
        "the floor: not the agency's admin"
    );
    assert!(may_set_mfa_claim(admin, 2, false).is_err(), "never another agency's");
    assert!(may_set_mfa_claim(Granter::Cli, 1, true).is_ok());
    let operator = Granter::Account {
        role: Operator,
        operator: true,
        agency: None,
    };
    assert!(may_set_mfa_claim(operator, 1, true).is_ok());
}

#[test]
fn the_provider_s_second_factor_or_ours_follows_the_first_step() {
    use SecondStep as S;
    assert_eq!(
        second_step(true, true, true),
        S::None,
        "the provider's own second factor"
    );
    assert_eq!(
        second_step(false, true, false),
        S::Code,
        "an enrolled authenticator is always asked"
    );
    assert_eq!(second_step(false, false, true), S::Enrol);
    assert_eq!(second_step(false, false, false), S::None);
}
