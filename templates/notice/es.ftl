# Aviso que se entrega a la persona a quien se le notificó una orden de ICE (issue 31). El
# condado puede revisar y reemplazar este archivo sin recompilar: su propia copia va en
# WSO_NOTICE_DIR (docs/plans.md). Variables: $facility, $booking, $served, $deadline, $contact.
notice-title = Aviso: se le notificó una orden de inmigración
notice-served = Se le notificó una orden de inmigración del Servicio de Inmigración y Control de Aduanas de EE. UU. (ICE) el { $served } en { $facility } (registro { $booking }).
notice-deadline = ICE debe tomarle bajo su custodia a más tardar el { $deadline }.
notice-release = Si ICE no le ha tomado bajo su custodia para entonces, la cárcel debe ponerle en libertad. La cárcel no puede retenerle más tiempo solo por esta orden.
notice-igsa = Esta cárcel también retiene a personas para ICE bajo un acuerdo con ICE (un IGSA). Si ICE pide a la cárcel que le retenga bajo ese acuerdo, podrían retenerle más tiempo, bajo ese acuerdo y no bajo esta orden.
notice-rights = Puede pedir un intérprete. Puede decir que es ciudadano de EE. UU.; si lo dice, la cárcel debe avisar a ICE en el plazo de una hora.
notice-contact = Para comunicarse con el centro: { $contact }.
notice-given = Entregado en español.
