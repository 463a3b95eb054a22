# The notice given to a person on whom an ICE warrant was served (issue 31). A county may review
# and replace this file without rebuilding: put its own copy in WSO_NOTICE_DIR (docs/plans.md).
# Variables: $facility (the facility's name), $booking (the booking number), $served (when the
# warrant was served, local time), $deadline (the 48-hour deadline, local time with its zone),
# $contact (how to reach the facility).
notice-title = Notice: an immigration warrant was served on you
notice-served = An immigration warrant from U.S. Immigration and Customs Enforcement (ICE) was served on you at { $served } at { $facility } (booking { $booking }).
notice-deadline = ICE must take you into its custody by { $deadline }.
notice-release = If ICE has not taken you into custody by then, the jail must release you. The jail may not hold you longer on this warrant alone.
notice-igsa = This jail also holds people for ICE under an agreement with ICE (an IGSA). If ICE asks the jail to hold you under that agreement, you may be held longer, under that agreement and not under this warrant.
notice-rights = You may ask for an interpreter. You may say that you are a U.S. citizen; if you do, the jail must tell ICE within one hour.
notice-contact = To reach the facility: { $contact }.
notice-given = Given to you in English.
